using System.Net;
using Aventora.Contracts.Voice;
using Aventora.Domains.Credentials;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.IntegrationTests.Status;
using Aventora.Outbound.Reconciliation;
using Aventora.TwilioGateway;
using Microsoft.Extensions.DependencyInjection;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Aventora.IntegrationTests.Billing;

/// <summary>
/// A call Twilio reports completed with a TwiML application error (11200: it could not fetch our TwiML, said "an application
/// error has occurred" and hung up) costs the domain nothing, however its reports arrive: the callback carrying the error first
/// and a plain "completed" after (a heal by fetch, a redelivery), or a fetch alone when the callback was lost.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ApplicationErrorBillingTests(SystemFixture system)
{
    [Fact]
    public async Task A_completed_report_landing_after_the_application_error_bills_nothing()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("app-error");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
        }, credits: 100);
        var to = SystemFixture.UniqueNumber();
        // The call's own "completed" (duration > 0, no error) cannot land while the fault holds: it is retried meanwhile.
        await using var fault = await DatabaseFault.OnCallLogUpdateAsync(system.Database, to, "NEW.status = 'completed'");

        var id = await (await system.StartAsync(Api.StartBody(to, "phone", "informational", "Your order is ready", domain), key)).AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id)).Str("twilio_sid");
        await fault.WaitForHitsAsync(1);

        // Twilio's final callback carrying the application error lands first.
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = sid, ["AccountSid"] = account.Sid, ["CallStatus"] = "completed", ["CallDuration"] = "1", ["Direction"] = "outbound-api",
            ["ErrorCode"] = "11200", ["ErrorMessage"] = "HTTP retrieval failure",
        };
        using (var http = system.Ingress.CreateHttpClient())
        {
            var path = $"{StatusCallbackUrlsPath()}?channel=phone&domain={domain}&request_id={id:D}";
            Assert.Equal(HttpStatusCode.NoContent, await system.PostCallbackAsync(http, path, form, account.Token));
        }
        var failed = await system.RequestWhenAsync(id, r => r.Str("status") == "failed", "the application error to fail the call", key);
        Assert.Equal("twilio_11200", failed.Str("error_code"));

        // Then the plain "completed" lands: it moves nothing and must bill nothing.
        using var handled = Consumed<CallStatusReported>.On(system.Voice, c => c.Message.CallSid == sid && c.Message.ErrorCode is null && c.Message.Status == "completed");
        await fault.HealAsync();
        await handled.TimesAsync(1);

        Assert.Equal("failed", (await system.RequestWhenAsync(id, _ => true, "the request", key)).Str("status"));
        await system.SettledBalanceAsync(domain, 100);
        Assert.DoesNotContain(await system.LedgerAsync(domain), e => e!["kind"]!.GetValue<string>() is not "grant");
    }

    [Fact]
    public async Task A_fetched_call_that_hit_an_application_error_carries_it_from_the_calls_notifications()
    {
        var account = await system.NewAccountAsync();
        var config = new TwilioConfig(account.Sid, account.Token, SystemFixture.UniqueNumber(), "test");
        var client = system.Voice.Services.GetRequiredService<TwilioClientFactory>().Create(config);
        var lookup = system.Voice.Services.GetRequiredService<ITwilioLookup>();

        // Nothing answers at this URL, so Twilio cannot fetch the TwiML: 11200, then it hangs up. No status callback is asked for.
        var broken = await CallResource.CreateAsync(to: new PhoneNumber(SystemFixture.UniqueNumber()), from: new PhoneNumber(config.FromNumber),
            url: new Uri("http://127.0.0.1:9/twiml"), client: client);
        var fine = await CallResource.CreateAsync(to: new PhoneNumber(SystemFixture.UniqueNumber()), from: new PhoneNumber(config.FromNumber),
            twiml: new Twiml("<Response><Say>Hello</Say></Response>"), client: client);
        await system.Emulator.WaitForCallEndAsync(broken.Sid);
        await system.Emulator.WaitForCallEndAsync(fine.Sid);

        var healed = await lookup.FetchAsync(config, broken.Sid, CancellationToken.None);
        Assert.Equal(("completed", "11200"), (healed.Status, healed.ErrorCode));
        Assert.Equal("HTTP retrieval failure", healed.ErrorMessage);
        var plain = await lookup.FetchAsync(config, fine.Sid, CancellationToken.None);
        Assert.Equal(("completed", null), (plain.Status, plain.ErrorCode));
    }

    private static string StatusCallbackUrlsPath() => Aventora.ServiceDefaults.StatusCallbackUrls.CallPath;
}
