using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// Domains without numbers of their own send from the environment's number, so a person's reply to it and their STOP are
/// about a number several domains share. A reply goes to the conversation the person was last in on that number, never to
/// another domain; STOP blocks the number, for every domain that sends from it (Twilio's rule); a number a domain
/// configures is that domain's alone.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SharedSenderTests(SystemFixture system)
{
    [Fact]
    public async Task A_reply_to_the_shared_number_lands_only_in_the_conversation_the_person_was_in()
    {
        var (acme, acmeKey) = await FallbackDomainAsync("acme");
        var (other, otherKey) = await FallbackDomainAsync("other");
        var person = SystemFixture.UniqueNumber();

        var acmeRequest = await SendAsync(acme, acmeKey, person, "Your acme booking");
        // The other domain writes to someone else from the same number afterwards: the person was not talking to it.
        var otherRequest = await SendAsync(other, otherKey, SystemFixture.UniqueNumber(), "Something else");

        await PersonWritesAsync(person, "My acme booking code is ZX-991");
        await TranscriptAsync(acmeRequest, acmeKey, t => t.Contains("My acme booking code is ZX-991"), "the reply in acme's conversation");

        // Now the other domain writes to the person: their next reply is about that, the most recent conversation on the number.
        var otherToPerson = await SendAsync(other, otherKey, person, "Hello from other");
        await PersonWritesAsync(person, "Answer to other");
        await TranscriptAsync(otherToPerson, otherKey, t => t.Contains("Answer to other"), "the reply in other's conversation");

        var acmeTranscript = await TranscriptAsync(acmeRequest, acmeKey, _ => true, "acme's transcript");
        Assert.DoesNotContain(acmeTranscript, t => t.Contains("Answer to other"));
        Assert.DoesNotContain(await TranscriptAsync(otherToPerson, otherKey, _ => true, "other's transcript"), t => t.Contains("ZX-991"));
        Assert.DoesNotContain(await TranscriptAsync(otherRequest, otherKey, _ => true, "other's first transcript"), turn => turn.StartsWith("person:"));
    }

    [Fact]
    public async Task Stop_on_the_shared_number_blocks_every_domain_that_sends_from_it_until_start()
    {
        var (acme, acmeKey) = await FallbackDomainAsync("stopa");
        var (other, otherKey) = await FallbackDomainAsync("stopb");
        var person = SystemFixture.UniqueNumber();
        await SendAsync(acme, acmeKey, person, "From acme");
        await SendAsync(other, otherKey, person, "From other"); // the STOP below is routed to this, the latest conversation

        await PersonWritesAsync(person, "STOP");
        await Eventually.Get(() => SenderOptedOutAsync(person), o => o, "STOP to block the shared number");

        foreach (var (domain, key) in new[] { (acme, acmeKey), (other, otherKey) })
        {
            var id = await (await system.StartAsync(Api.StartBody(person, "sms", "informational", $"After stop {domain}", domain), key)).AcceptedRequestIdAsync();
            var refused = await system.RequestWhenAsync(id, r => r.Str("status") is not ("received" or "routed" or "sending"), $"{domain}'s request after STOP to settle", key);
            Assert.Equal("opted_out", refused.Str("status"));
            Assert.Contains(SystemFixture.EnvironmentSmsNumber, refused.Str("error_message"));
        }
        Assert.DoesNotContain(await system.Emulator.GetMessagesAsync(person), m => m.Body?.Contains("After stop") == true);

        await PersonWritesAsync(person, "START");
        await Eventually.Get(() => SenderOptedOutAsync(person), o => !o, "START to unblock the shared number");
        var again = await SendAsync(acme, acmeKey, person, "After start");
        Assert.Contains(again.Str("status"), new[] { "queued", "sent", "delivered" });
    }

    [Fact]
    public async Task A_sender_number_belongs_to_one_domain()
    {
        var number = SystemFixture.UniqueNumber();
        var owner = Api.NewDomainName("owner");
        await system.CreateDomainAsync(owner, new Dictionary<string, string> { ["twilio_sms_number"] = number }, credits: 0);

        var taken = await system.Admin.PostAsJsonAsync("/admin/domains", new { domain_name = Api.NewDomainName("taker"), technical_json = new { twilio_phone_number = number } });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        var problem = await taken.JsonAsync();
        Assert.Contains(owner, problem.Str("title"));
        Assert.Contains(number, problem.Str("title"));
        Assert.Contains("twilio_sms_number", problem["errors"]!["technical_json"]![0]!.GetValue<string>());

        var later = Api.NewDomainName("later");
        await system.CreateDomainAsync(later, new Dictionary<string, string>(), credits: 0);
        var updated = await system.Admin.PutAsJsonAsync($"/admin/domains/{later}", new { technical_json = new { twilio_whatsapp_number = "whatsapp:" + number } });
        Assert.Equal(HttpStatusCode.Conflict, updated.StatusCode);
        Assert.Equal(0, TechnicalJsonCount(await system.Admin.GetFromJsonAsync<JsonObject>($"/admin/domains/{later}"))); // nothing was saved

        var fallback = await system.Admin.PutAsJsonAsync($"/admin/domains/{later}", new { technical_json = new { twilio_sms_number = SystemFixture.EnvironmentSmsNumber } });
        Assert.Equal(HttpStatusCode.Conflict, fallback.StatusCode);
        Assert.Contains("TWILIO_SMS_NUMBER", await fallback.Content.ReadAsStringAsync());

        // The owner may use its own number on another channel too.
        var own = await system.Admin.PutAsJsonAsync($"/admin/domains/{owner}", new { technical_json = new { twilio_phone_number = number } });
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    private static int TechnicalJsonCount(JsonObject? domain) => domain!["technical_json"]!.AsObject().Count;

    /// <summary>A domain with no numbers or account of its own: it sends with the environment's account from the environment's number.</summary>
    private async Task<(string Name, string Key)> FallbackDomainAsync(string what)
    {
        var name = Api.NewDomainName(what);
        return (name, await system.CreateDomainAsync(name, new Dictionary<string, string>()));
    }

    private async Task<JsonObject> SendAsync(string domain, string key, string to, string instruction)
    {
        var id = await (await system.StartAsync(Api.StartBody(to, "sms", "informational", instruction, domain), key)).AcceptedRequestIdAsync();
        var request = await system.RequestWithSidAsync(id, key);
        Assert.Equal(SystemFixture.EnvironmentSmsNumber, (await system.Emulator.GetMessageAsync(request.Str("twilio_sid")))!.From);
        return request;
    }

    private async Task PersonWritesAsync(string person, string body)
    {
        var webhook = await system.Emulator.SendInboundMessageAsync(new InboundMessage(
            WebhookUrl: $"{system.Settings["Ingress:PublicBaseUrl"]}/sms/webhook",
            AccountSid: system.EnvironmentAccount.Sid, From: person, To: SystemFixture.EnvironmentSmsNumber, Body: body, Channel: "sms"));
        Assert.Equal(200, webhook.Status);
    }

    /// <summary>The request's transcript as "speaker: text" lines, once <paramref name="until"/> holds for one of them.</summary>
    private async Task<IReadOnlyList<string>> TranscriptAsync(JsonObject request, string key, Func<string, bool> until, string what)
    {
        var id = Guid.Parse(request.Str("request_id"));
        var read = await system.RequestWhenAsync(id, r => Turns(r).Any(until), what, key);
        return Turns(read);
    }

    private static List<string> Turns(JsonObject request) =>
        request["transcript"]!.AsArray().Select(t => $"{t!["speaker"]!.GetValue<string>()}: {t["text"]!.GetValue<string>()}").ToList();

    private async Task<bool> SenderOptedOutAsync(string person)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<bool>(db,
            "SELECT EXISTS (SELECT 1 FROM sender_opt_outs WHERE sender_number = @sender AND phone_number = @person)",
            new { sender = SystemFixture.EnvironmentSmsNumber, person });
    }
}
