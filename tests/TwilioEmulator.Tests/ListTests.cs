using System.Net;
using System.Text.Json;
using Aventora.TwilioEmulator.Tests.Support;
using Twilio.Base;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.TwilioEmulator.Tests;

/// <summary>Twilio's list reads (GET Messages.json / Calls.json) as the SDK and a hand-written client use them.</summary>
public sealed class ListTests(RunningEmulator emulator) : IClassFixture<RunningEmulator>
{
    private const string OtherBusiness = "+14445550199";

    private Task<MessageResource> SendAsync(string to, string body, string from = Numbers.Business) =>
        MessageResource.CreateAsync(to: new PhoneNumber(to), from: new PhoneNumber(from), body: body, client: emulator.Twilio());

    /// <summary>Everything the read yields; the SDK fetches further pages while enumerating.</summary>
    private static async Task<List<T>> AllAsync<T>(Task<ResourceSet<T>> read) where T : Twilio.Base.Resource =>
        (await read).ToList();

    [Fact]
    public async Task Sdk_reads_messages_filtered_by_to_and_from_newest_first()
    {
        var person = Numbers.Person();
        var first = await SendAsync(person, "one");
        var second = await SendAsync(person, "two");
        await SendAsync(person, "from another number", OtherBusiness);
        await SendAsync(Numbers.Person(), "to someone else");

        var read = await AllAsync(MessageResource.ReadAsync(
            new ReadMessageOptions { To = new PhoneNumber(person), From = new PhoneNumber(Numbers.Business) }, emulator.Twilio()));

        Assert.Equal([second.Sid, first.Sid], read.Select(m => m.Sid));
        Assert.Equal(["two", "one"], read.Select(m => m.Body));
        Assert.All(read, m => Assert.Equal(person, m.To));
        Assert.All(read, m => Assert.Equal(RunningEmulator.AccountSid, m.AccountSid));
    }

    [Fact]
    public async Task Date_sent_filters_see_sent_messages_by_day_or_instant()
    {
        var person = Numbers.Person();
        var created = await SendAsync(person, "dated");
        var sent = await emulator.Admin.WaitForMessageStatusAsync(created.Sid, ["delivered"]);
        Assert.NotNull(sent.DateSent);
        var now = DateTime.UtcNow;

        async Task<IReadOnlyList<string>> ReadAsync(ReadMessageOptions options) =>
            (await AllAsync(MessageResource.ReadAsync(options, emulator.Twilio()))).Select(m => m.Sid).ToList();

        Assert.Equal([created.Sid], await ReadAsync(new ReadMessageOptions { To = new PhoneNumber(person), DateSentAfter = now.AddHours(-1) }));
        Assert.Empty(await ReadAsync(new ReadMessageOptions { To = new PhoneNumber(person), DateSentAfter = now.AddHours(1) }));
        Assert.Empty(await ReadAsync(new ReadMessageOptions { To = new PhoneNumber(person), DateSentBefore = now.AddHours(-1) }));
        Assert.Equal([created.Sid], await ReadAsync(new ReadMessageOptions
            { To = new PhoneNumber(person), DateSentAfter = now.AddHours(-1), DateSentBefore = now.AddHours(1) }));

        // What the SDK put on the wire: "DateSent>" with an ISO 8601 UTC date-time.
        var sdkRead = (await emulator.Admin.GetRequestsAsync(person)).First(r => r.Method == "GET" && r.Form.ContainsKey("DateSent>"));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", sdkRead.Form["DateSent>"]);

        // Bare GMT dates, as Twilio documents them: the whole day.
        var today = sent.DateSent!.Value.UtcDateTime.ToString("yyyy-MM-dd");
        var tomorrow = sent.DateSent!.Value.UtcDateTime.AddDays(1).ToString("yyyy-MM-dd");
        var to = Uri.EscapeDataString(person);
        Assert.Single(await MessagesAsync($"To={to}&DateSent={today}"));
        Assert.Single(await MessagesAsync($"To={to}&DateSent%3E={today}"));
        Assert.Single(await MessagesAsync($"To={to}&DateSent%3C={today}"));
        Assert.Empty(await MessagesAsync($"To={to}&DateSent%3E={tomorrow}"));
    }

    [Fact]
    public async Task A_message_not_sent_yet_has_no_date_sent_and_matches_no_date_sent_filter()
    {
        // Slow steps keep the message queued for the whole test.
        await using var slow = await RunningEmulator.StartAsync("--Emulator:StepDelayMs=600000");
        var person = Numbers.Person();
        var created = await MessageResource.CreateAsync(to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business),
            body: "still queued", client: slow.Twilio());

        var all = await MessageResource.ReadAsync(new ReadMessageOptions { To = new PhoneNumber(person) }, slow.Twilio());
        var listed = Assert.Single(all);
        Assert.Equal(created.Sid, listed.Sid);
        Assert.Null(listed.DateSent);

        var sinceYesterday = await MessageResource.ReadAsync(
            new ReadMessageOptions { To = new PhoneNumber(person), DateSentAfter = DateTime.UtcNow.AddDays(-1) }, slow.Twilio());
        Assert.Empty(sinceYesterday);
    }

    [Fact]
    public async Task Pages_link_to_each_other_with_twilios_page_uris()
    {
        var person = Numbers.Person();
        var sids = new List<string>();
        for (var i = 0; i < 5; i++) sids.Add((await SendAsync(person, $"m{i}")).Sid);
        sids.Reverse(); // newest first

        var to = Uri.EscapeDataString(person);
        var seen = new List<string>();
        string? next = $"/2010-04-01/Accounts/{RunningEmulator.AccountSid}/Messages.json?To={to}&PageSize=2";
        var pages = new List<JsonElement>();
        while (next is not null)
        {
            var page = await PageAsync(next);
            pages.Add(page);
            seen.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sid").GetString()!));
            next = page.GetProperty("next_page_uri").GetString();
        }

        Assert.Equal(sids, seen);
        Assert.Equal([0, 1, 2], pages.Select(p => p.GetProperty("page").GetInt32()));
        Assert.Equal([0, 2, 4], pages.Select(p => p.GetProperty("start").GetInt32()));
        Assert.Equal([1, 3, 4], pages.Select(p => p.GetProperty("end").GetInt32()));
        Assert.All(pages, p => Assert.Equal(2, p.GetProperty("page_size").GetInt32()));
        Assert.Equal(JsonValueKind.Null, pages[0].GetProperty("previous_page_uri").ValueKind);
        Assert.Contains("PageToken=PA" + sids[1], pages[0].GetProperty("next_page_uri").GetString());
        Assert.Contains("To=%2B", pages[0].GetProperty("first_page_uri").GetString());

        // previous_page_uri leads back to the first page.
        var back = await PageAsync(pages[1].GetProperty("previous_page_uri").GetString()!);
        Assert.Equal(sids[..2], back.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sid").GetString()));

        // The SDK follows next_page_uri on its own.
        var viaSdk = await AllAsync(MessageResource.ReadAsync(
            new ReadMessageOptions { To = new PhoneNumber(person), PageSize = 2 }, emulator.Twilio()));
        Assert.Equal(sids, viaSdk.Select(m => m.Sid));
    }

    [Fact]
    public async Task A_listed_message_is_the_same_json_as_the_fetched_one()
    {
        var person = Numbers.Person();
        var created = await SendAsync(person, "same shape");
        var listed = (await MessagesAsync($"To={Uri.EscapeDataString(person)}")).Single();
        using var fetched = JsonDocument.Parse(await (await emulator.GetTwilioAsync(
            $"/2010-04-01/Accounts/{RunningEmulator.AccountSid}/Messages/{created.Sid}.json")).Content.ReadAsStringAsync());

        Assert.Equal(fetched.RootElement.EnumerateObject().Select(p => p.Name), listed.EnumerateObject().Select(p => p.Name));
        Assert.Equal(created.Sid, listed.GetProperty("sid").GetString());
    }

    [Fact]
    public async Task Another_accounts_messages_and_calls_are_not_listed()
    {
        const string otherSid = "AC00000000000000000000000000000043";
        await emulator.Admin.AddAccountAsync(otherSid, "other-token");
        var person = Numbers.Person();
        var mine = await SendAsync(person, "mine");
        await MessageResource.CreateAsync(to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business), body: "theirs",
            client: emulator.Twilio(otherSid, "other-token"));
        await CallResource.CreateAsync(to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business),
            twiml: new Twiml("<Response/>"), client: emulator.Twilio(otherSid, "other-token"));

        var listed = await MessageResource.ReadAsync(new ReadMessageOptions { To = new PhoneNumber(person) }, emulator.Twilio());
        Assert.Equal([mine.Sid], listed.Select(m => m.Sid));
        Assert.Empty(await CallResource.ReadAsync(new ReadCallOptions { To = new PhoneNumber(person) }, emulator.Twilio()));

        // Reading the other account's list with our credentials is refused like any other request.
        var refused = await emulator.GetTwilioAsync($"/2010-04-01/Accounts/{otherSid}/Messages.json");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var unauthenticated = await Assert.ThrowsAsync<ApiException>(async () => await MessageResource.ReadAsync(
            new ReadMessageOptions { To = new PhoneNumber(person) }, emulator.Twilio(RunningEmulator.AccountSid, "wrong")));
        Assert.Equal(20003, unauthenticated.Code);
    }

    [Fact]
    public async Task Sdk_reads_calls_by_to_from_status_and_start_time()
    {
        var person = Numbers.Person();
        var created = await CallResource.CreateAsync(to: new PhoneNumber(person), from: new PhoneNumber(Numbers.Business),
            twiml: new Twiml("<Response><Say>Hi</Say></Response>"), client: emulator.Twilio());
        await emulator.Admin.WaitForCallEndAsync(created.Sid);
        var now = DateTime.UtcNow;

        var completed = await CallResource.ReadAsync(new ReadCallOptions
        {
            To = new PhoneNumber(person), From = new PhoneNumber(Numbers.Business), Status = CallResource.StatusEnum.Completed,
            StartTimeAfter = now.AddHours(-1), EndTimeBefore = now.AddHours(1),
        }, emulator.Twilio());
        var call = Assert.Single(completed);
        Assert.Equal(created.Sid, call.Sid);
        Assert.Equal(CallResource.StatusEnum.Completed, call.Status);

        Assert.Empty(await CallResource.ReadAsync(new ReadCallOptions { To = new PhoneNumber(person), Status = CallResource.StatusEnum.Busy },
            emulator.Twilio()));
        Assert.Empty(await CallResource.ReadAsync(new ReadCallOptions { To = new PhoneNumber(person), StartTimeAfter = now.AddHours(1) },
            emulator.Twilio()));

        var page = await PageAsync($"/2010-04-01/Accounts/{RunningEmulator.AccountSid}/Calls.json?To={Uri.EscapeDataString(person)}");
        Assert.Equal(created.Sid, Assert.Single(page.GetProperty("calls").EnumerateArray()).GetProperty("sid").GetString());
    }

    [Fact]
    public async Task Page_size_is_capped_at_1000_and_bad_filters_are_refused()
    {
        var page = await PageAsync($"/2010-04-01/Accounts/{RunningEmulator.AccountSid}/Messages.json?PageSize=5000");
        Assert.Equal(1000, page.GetProperty("page_size").GetInt32());

        var badDate = await emulator.GetTwilioAsync($"/2010-04-01/Accounts/{RunningEmulator.AccountSid}/Messages.json?DateSent%3E=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        var badToken = await emulator.GetTwilioAsync($"/2010-04-01/Accounts/{RunningEmulator.AccountSid}/Calls.json?PageToken=PAnothing");
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
    }

    private async Task<JsonElement> PageAsync(string pathAndQuery)
    {
        var response = await emulator.GetTwilioAsync(pathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<IReadOnlyList<JsonElement>> MessagesAsync(string query) =>
        (await PageAsync($"/2010-04-01/Accounts/{RunningEmulator.AccountSid}/Messages.json?{query}"))
        .GetProperty("messages").EnumerateArray().ToList();
}
