using Aventora.IntegrationTests.Infrastructure;
using Aventora.Ingress.Api.Webhooks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Conversations;

/// <summary>Voice turns: Twilio fetches TwiML from Ingress, Voice.Worker writes it turn by turn, with a fallback when it is away.</summary>
[Collection(SystemCollection.Name)]
public sealed class VoiceConversationTests(SystemFixture system)
{
    [Theory]
    [InlineData("phone")]
    [InlineData("wvoice")]
    public async Task A_two_turn_call_is_held_and_transcribed(string channel)
    {
        var domain = await ConversationDomain.CreateAsync(system, "voice" + channel);
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetSpeechAsync(person, ["hmm, who is this?", "yes please"]);
        var id = await (await system.StartAsync(Api.StartBody(person, channel, "appointment_booking", "Book a follow-up visit", domain.Name, "Noor"), domain.Key))
            .AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id, domain.Key)).Str("twilio_sid");

        var call = await system.Emulator.WaitForCallEndAsync(sid, TimeSpan.FromSeconds(30));
        Assert.Equal("completed", call.Status);
        Assert.Equal(channel == "wvoice" ? $"whatsapp:{person}" : person, call.To);
        Assert.Equal(["hmm, who is this?", "yes please"], call.Answers);
        Assert.Equal(3, call.Says.Count(s => !s.Contains("did not hear")));
        Assert.Contains("Noor", call.Says[0]);
        Assert.Contains("did not understand", call.Says[1]);
        Assert.Contains("confirmed", call.Says[2]);

        var request = await system.RequestWhenAsync(id, r => r["transcript"]!.AsArray().Count == 5, "the call's transcript", domain.Key);
        Assert.Equal(["assistant", "person", "assistant", "person", "assistant"],
            request["transcript"]!.AsArray().Select(t => t!["speaker"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task When_Voice_Worker_is_away_Twilio_gets_the_polite_fallback()
    {
        var domain = await ConversationDomain.CreateAsync(system, "fallback");
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetCallOutcomeAsync(person, "no-answer"); // the call is logged, but nobody picks up
        var id = await (await system.StartAsync(Api.StartBody(person, "phone", "informational", "Anyone there?", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(id, domain.Key);

        var voiceBus = system.Voice.Services.GetRequiredService<IBusControl>();
        await voiceBus.StopAsync();
        try
        {
            var url = $"{system.Settings["Ingress:PublicBaseUrl"]}/voice/twiml/{id}";
            var form = new Dictionary<string, string> { ["CallSid"] = "CA" + Guid.NewGuid().ToString("N"), ["AccountSid"] = domain.AccountSid, ["CallStatus"] = "in-progress" };
            var token = await TokenOfAsync(domain);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(token, url, form));
            using var http = new HttpClient();
            var response = await http.SendAsync(request);

            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var twiml = await response.Content.ReadAsStringAsync();
            Assert.Contains("cannot continue this call right now", twiml);
            Assert.Contains("<Hangup/>", twiml);
        }
        finally
        {
            await voiceBus.StartAsync();
        }
    }

    [Fact]
    public async Task A_TwiML_request_not_signed_by_the_calls_account_is_refused()
    {
        var domain = await ConversationDomain.CreateAsync(system, "twimlsig");
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetCallOutcomeAsync(person, "busy");
        var id = await (await system.StartAsync(Api.StartBody(person, "phone", "informational", "Signed?", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(id, domain.Key);
        var url = $"{system.Settings["Ingress:PublicBaseUrl"]}/voice/twiml/{id}";
        var form = new Dictionary<string, string> { ["CallSid"] = "CA1", ["AccountSid"] = domain.AccountSid };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute("not-the-token", url, form));
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
    }

    /// <summary>The domain's auth token, decrypted as the services read it (the column holds it encrypted).</summary>
    private async Task<string> TokenOfAsync(ConversationDomain domain)
    {
        var row = await system.Ingress.Services.GetRequiredService<Aventora.Persistence.Domains.DomainRepository>().FindAsync(domain.Name, CancellationToken.None);
        return System.Text.Json.JsonDocument.Parse(row!.TechnicalJson).RootElement.GetProperty("twilio_auth_token").GetString() ?? "";
    }
}
