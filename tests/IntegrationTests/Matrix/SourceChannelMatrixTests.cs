using Aventora.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Aventora.IntegrationTests.Matrix;

/// <summary>
/// Every way a request comes in (API, CSV upload, drop folder, email pull, a person writing first) on every channel, for a
/// domain with a Twilio account per channel, one with only the shared pair, and one with both: what Twilio received (account,
/// From, To, body or spoken words, status callback) and what GET /requests/{id} shows at the end. Cells the rules refuse (free
/// text outside WhatsApp's window, a number that sent STOP) are refused with their reason and reach Twilio with nothing.
/// The cells run at once in one <see cref="MatrixRun"/>; each test case asserts its own cell.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SourceChannelMatrixTests(SystemFixture system, MatrixRun run) : IClassFixture<MatrixRun>
{
    private static readonly string[] AllChannels = ["sms", "wmsg", "phone", "wvoice"];

    /// <summary>People write in by message only: there is no inbound call path, so inbound has no phone or wvoice cell.</summary>
    public static IEnumerable<string> ChannelsOf(string source) => source == MatrixSources.Inbound ? ["sms", "wmsg"] : AllChannels;

    public static TheoryData<string, string, string> DeliveredCells()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var setup in MatrixSetups.All)
            foreach (var source in MatrixSources.Outbound.Append(MatrixSources.Inbound))
                foreach (var channel in ChannelsOf(source))
                    data.Add(source, channel, setup);
        return data;
    }

    public static TheoryData<string, string> RefusedCells()
    {
        var data = new TheoryData<string, string>();
        foreach (var source in MatrixSources.Outbound)
            foreach (var rule in MatrixRules.All)
                data.Add(source, rule);
        return data;
    }

    private string PublicBase => system.Settings["Ingress:PublicBaseUrl"]!;

    [Theory]
    [MemberData(nameof(DeliveredCells))]
    public async Task A_request_reaches_Twilio_on_the_channels_account_with_its_addresses_and_content(string source, string channel, string setup)
    {
        var outcome = await run.OutcomeAsync(system, $"{source}|{channel}|{setup}");
        var cell = outcome.Cell;
        var isCall = channel is "phone" or "wvoice";
        var account = cell.Domain.AccountByChannel[channel].Sid;
        var from = MatrixDomain.Twilio(channel, cell.Domain.NumberFor(channel));
        var to = MatrixDomain.Twilio(channel, cell.Person);
        var posts = outcome.Received.Where(r => r.Method == "POST").ToList();

        if (source == MatrixSources.Inbound)
        {
            // The person wrote first: one request of source inbound, answered once on the channel they used.
            Assert.Equal((outcome.RequestId, "inbound"), Assert.Single(outcome.Rows));
            Assert.Equal("inbound", outcome.Request.Str("status"));
            Assert.Equal(channel, outcome.Request.Str("channel"));
            var turns = outcome.Request["transcript"]!.AsArray().Select(t => (t!["speaker"]!.GetValue<string>(), t["text"]!.GetValue<string>())).ToList();
            Assert.Equal(("person", cell.Instruction), turns[0]);
            var answer = Assert.Single(turns, t => t.Item1 == "assistant").Item2;
            var reply = Assert.Single(posts);
            AssertSent(reply, "Messages", account, from, to);
            Assert.Equal(answer, reply.Form["Body"]);
            var callback = AssertCallback(reply, StatusPath(isCall: false), channel);
            Assert.False(callback.ContainsKey("request_id"), "an assistant's reply is not a request of its own");
            return;
        }

        var expectedSource = source switch { MatrixSources.Api => "api", MatrixSources.EmailPull => "email", _ => "csv" };
        Assert.Equal((outcome.RequestId, expectedSource), Assert.Single(outcome.Rows));
        var sent = Assert.Single(posts, p => MatrixRun.CallbackNames(p, outcome.RequestId));
        AssertSent(sent, isCall ? "Calls" : "Messages", account, from, to);
        Assert.Equal(outcome.RequestId.ToString(), AssertCallback(sent, StatusPath(isCall), channel)["request_id"]);
        if (isCall)
        {
            Assert.Equal($"{PublicBase}/voice/twiml/{outcome.RequestId}?channel={channel}&domain={cell.Domain.Name}", sent.Form["Url"]);
            var call = Assert.Single(outcome.Calls, c => c.Sid == sent.CreatedSid);
            Assert.Contains(call.Says, said => said.Contains(cell.Instruction) && said.Contains(cell.Name));
        }
        else
        {
            Assert.Contains(cell.Instruction, sent.Form["Body"]);
            Assert.Contains(cell.Name, sent.Form["Body"]);
            Assert.False(sent.Form.ContainsKey("ContentSid"));
        }
        // Nothing else went to the person: on wmsg, the one other message is the answer to their opening the window.
        Assert.Equal(channel == "wmsg" ? 2 : 1, posts.Count);

        var request = outcome.Request;
        Assert.Equal(channel, request.Str("channel"));
        Assert.Equal(cell.Person, request.Str("phone_number"));
        Assert.Equal(cell.Domain.Name, request.Str("domain_name"));
        Assert.Equal(sent.CreatedSid, request.Str("twilio_sid"));
        Assert.Equal(channel switch { "sms" => "delivered", "wmsg" => "read", _ => "completed" }, request.Str("status"));
        Assert.Null(request["error_code"]);
    }

    [Theory]
    [MemberData(nameof(RefusedCells))]
    public async Task A_request_the_rules_refuse_ends_with_the_reason_and_Twilio_receives_nothing(string source, string rule)
    {
        var outcome = await run.OutcomeAsync(system, $"{source}|{rule}");
        var request = outcome.Request;
        Assert.Single(outcome.Rows);
        if (rule == MatrixRules.WindowClosed)
        {
            Assert.Equal("failed", request.Str("status"));
            Assert.Equal("whatsapp_window_closed", request.Str("error_code"));
            Assert.Contains("content template", request.Str("error_message"));
        }
        else
        {
            Assert.Equal("opted_out", request.Str("status"));
            Assert.Contains("opted out", request.Str("error_message"));
        }
        Assert.Null(request["twilio_sid"]);
        // Not the request, and no answer to the STOP either: Twilio heard nothing about this person.
        Assert.Empty(outcome.Received.Where(r => r.Method == "POST"));
    }

    private static void AssertSent(TwilioEmulator.Inspection.RecordedRequest sent, string resource, string account, string from, string to)
    {
        Assert.Equal(resource, sent.Resource);
        Assert.True(sent.Succeeded, $"Twilio answered {sent.StatusCode} ({sent.ErrorCode})");
        Assert.Equal(account, sent.AccountSid);
        Assert.Equal(from, sent.Form["From"]);
        Assert.Equal(to, sent.Form["To"]);
    }

    private string StatusPath(bool isCall) => PublicBase + (isCall ? "/twilio/status/call" : "/twilio/status/message");

    /// <summary>The status callback goes to Ingress's public URL for the resource and names the channel; returns its query.</summary>
    private static Dictionary<string, string> AssertCallback(TwilioEmulator.Inspection.RecordedRequest sent, string path, string channel)
    {
        var url = new Uri(sent.Form["StatusCallback"]);
        Assert.Equal(path, url.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(url.Query).ToDictionary(q => q.Key, q => q.Value.ToString());
        Assert.Equal(channel, query.GetValueOrDefault("channel"));
        return query;
    }
}
