using Aventora.IntegrationTests.Billing;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Campaigns;

/// <summary>
/// WhatsApp lets a business call only people who granted it call permission: Twilio (the emulator) refuses the call with 37000, and
/// the request ends with a clear reason, is not retried, and costs nothing.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class WhatsAppCallPermissionTests(SystemFixture system)
{
    [Fact]
    public async Task A_WhatsApp_call_to_someone_without_call_permission_fails_with_the_reason_once_and_uncharged()
    {
        var domain = await system.NewBilledDomainAsync("wperm", credits: 1_000);
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetWhatsAppCallPermissionAsync(person, granted: false);

        var id = await system.StartAsync(domain, "wvoice", person);
        var failed = await system.RequestWhenAsync(id, r => r.Str("status") == "failed", "the call to fail", domain.ApiKey);
        Assert.Equal("whatsapp_call_permission_required", failed.Str("error_code"));
        Assert.Contains("call-permission request", failed.Str("error_message"));

        // Twilio was asked once and refused; the credits reserved for the call went back, nothing was charged.
        await system.SettledBalanceAsync(domain.Name, 1_000);
        var asked = Assert.Single(await system.Emulator.GetRequestsAsync(person));
        Assert.Equal(37000, asked.ErrorCode);
        Assert.Empty(await system.Emulator.GetCallsAsync(person));

        // Once the person has granted permission, the same call goes through.
        await system.Emulator.SetWhatsAppCallPermissionAsync(person, granted: true);
        var again = await system.StartAsync(domain, "wvoice", person);
        var placed = await system.RequestWithSidAsync(again, domain.ApiKey);
        Assert.StartsWith("CA", placed.Str("twilio_sid"));
    }
}
