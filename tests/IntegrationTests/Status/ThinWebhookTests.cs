using System.Net;
using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Status;

/// <summary>
/// Status callbacks name their request in the URL (release 1.19.0): Ingress checks them against the cached account and only
/// publishes, the workers apply them by request id. Bursts never meet the database on the webhook's path.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ThinWebhookTests(SystemFixture system)
{
    [Fact]
    public async Task The_callback_URL_given_to_Twilio_names_the_request_and_its_channel()
    {
        var to = SystemFixture.UniqueNumber();
        var id = await StartAsync(to);
        var sid = (await system.RequestWithSidAsync(id)).Str("twilio_sid");
        var sent = Assert.Single(await system.Emulator.GetRequestsAsync(to), r => r.Method == "POST");
        Assert.Equal(system.Settings["Ingress:PublicBaseUrl"] + CallbackUrl(id), Assert.Single(sent.FormValues["StatusCallback"]));
        Assert.NotEmpty(sid);
    }

    [Fact]
    public async Task A_burst_of_500_callbacks_gets_no_5xx_and_every_one_lands()
    {
        // 50 sms, each then reported 10 times in a shuffled burst, ending with "read", which the emulator never sends for sms:
        // if any report were lost, some request would not end "read".
        var requests = new List<(Guid Id, string Sid)>();
        foreach (var to in Enumerable.Range(0, 50).Select(_ => SystemFixture.UniqueNumber()))
        {
            var id = await StartAsync(to);
            requests.Add((id, ""));
        }
        for (var i = 0; i < requests.Count; i++)
            requests[i] = (requests[i].Id, (await system.RequestWithSidAsync(requests[i].Id)).Str("twilio_sid"));

        var statuses = new[] { "queued", "sent", "delivered", "sent", "read", "delivered", "queued", "sent", "delivered", "read" };
        var burst = requests.SelectMany(r => statuses.Select(s => (r.Id, r.Sid, Status: s))).OrderBy(_ => Random.Shared.Next()).ToList();
        Assert.Equal(500, burst.Count);
        using var http = system.Ingress.CreateHttpClient();
        var answers = await Task.WhenAll(burst.Select(c => PostAsync(http, CallbackUrl(c.Id), MessageForm(c.Sid, c.Status), system.EnvironmentAccount.Token)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NoContent, a));
        foreach (var (id, sid) in requests)
        {
            var request = await system.RequestWhenAsync(id, r => r.Str("status") == "read", $"request {id} to be read");
            Assert.Equal(sid, request.Str("twilio_sid"));
        }
    }

    [Fact]
    public async Task A_forged_callback_naming_a_request_gets_403_and_changes_nothing()
    {
        var to = SystemFixture.UniqueNumber();
        var id = await StartAsync(to);
        var delivered = await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the sms to be delivered");
        using var http = system.Ingress.CreateHttpClient();
        var form = MessageForm(delivered.Str("twilio_sid"), "undelivered", errorCode: "30007");

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(http, CallbackUrl(id), form, signedWith: "not-the-accounts-token"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(http, CallbackUrl(id), form, signedWith: null));
        // Signed for another URL: the request id was changed after signing.
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(http, CallbackUrl(id), form, system.EnvironmentAccount.Token, signedUrl: CallbackUrl(Guid.NewGuid())));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http.PostAsync(CallbackUrl(id), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        var after = await system.RequestWhenAsync(id, _ => true, "the request");
        Assert.Equal("delivered", after.Str("status"));
        Assert.Null(after["error_code"]);
    }

    [Fact]
    public async Task A_tenant_signing_a_callback_for_another_tenants_request_changes_nothing()
    {
        var victim = await system.NewBilledDomainAsync("victim", credits: 100);
        var attackerAccount = await system.NewAccountAsync();
        var attacker = Api.NewDomainName("attacker");
        await system.CreateDomainAsync(attacker, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = attackerAccount.Sid, ["twilio_auth_token"] = attackerAccount.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
        });
        var id = await system.StartAsync(victim, "sms", SystemFixture.UniqueNumber());
        var delivered = await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the victim's sms to be delivered");
        var sid = delivered.Str("twilio_sid");

        // The attacker knows its own token, so it can sign a URL naming its own domain and the victim's request id.
        var url = $"/twilio/status/message?channel=sms&domain={attacker}&request_id={id:D}";
        var form = new Dictionary<string, string>(MessageForm(sid, "read")) { ["AccountSid"] = attackerAccount.Sid };
        using var http = system.Ingress.CreateHttpClient();
        using var handled = Consumed<Aventora.Contracts.Messaging.MessageStatusReported>.On(system.Messaging, c => c.Message.MessageSid == sid && c.Message.Status == "read");
        Assert.Equal(HttpStatusCode.NoContent, await PostAsync(http, url, form, attackerAccount.Token));

        // Applied by request id only where the row is the signing domain's: the victim's request keeps its status.
        await handled.TimesAsync(1);
        Assert.Equal("delivered", (await system.RequestWhenAsync(id, _ => true, "the request")).Str("status"));
    }

    [Fact]
    public async Task A_tenant_signing_a_callback_without_a_request_id_for_another_tenants_sid_changes_nothing_and_opts_nobody_out()
    {
        var victim = await system.NewBilledDomainAsync("victim-sid", credits: 100);
        var attackerAccount = await system.NewAccountAsync();
        var attacker = Api.NewDomainName("attacker-sid");
        await system.CreateDomainAsync(attacker, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = attackerAccount.Sid, ["twilio_auth_token"] = attackerAccount.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
        });
        var to = SystemFixture.UniqueNumber();
        var id = await system.StartAsync(victim, "sms", to);
        var sid = (await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the victim's sms to be delivered")).Str("twilio_sid");

        // The URL names the attacker's own domain and no request: the report is about whichever row holds the SID.
        var url = $"/twilio/status/message?channel=sms&domain={attacker}";
        var form = new Dictionary<string, string>(MessageForm(sid, "undelivered", errorCode: "21610")) { ["AccountSid"] = attackerAccount.Sid };
        using var http = system.Ingress.CreateHttpClient();
        using var handled = Consumed<Aventora.Contracts.Messaging.MessageStatusReported>.On(system.Messaging, c => c.Message.MessageSid == sid && c.Message.Status == "undelivered");
        Assert.Equal(HttpStatusCode.NoContent, await PostAsync(http, url, form, attackerAccount.Token));

        await handled.TimesAsync(1);
        var after = await system.RequestWhenAsync(id, _ => true, "the request");
        Assert.Equal(("delivered", null), (after.Str("status"), after["error_code"]?.GetValue<string>()));
        await using var db = await system.Database.OpenConnectionAsync();
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<int>(db, "SELECT count(*) FROM opt_outs WHERE phone_number = @to", new { to }));
    }

    private async Task<Guid> StartAsync(string to) =>
        await (await system.StartAsync(Api.StartBody(to, "sms", "informational", "Your parcel arrives today"))).AcceptedRequestIdAsync();

    private static string CallbackUrl(Guid requestId) => $"/twilio/status/message?channel=sms&request_id={requestId:D}";

    private Dictionary<string, string> MessageForm(string sid, string status, string? errorCode = null) => system.MessageForm(sid, status, errorCode);

    private Task<HttpStatusCode> PostAsync(HttpClient http, string pathAndQuery, Dictionary<string, string> form, string? signedWith, string? signedUrl = null) =>
        system.PostCallbackAsync(http, pathAndQuery, form, signedWith, signedUrl);
}
