using System.Net.Http.Json;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Domains;

/// <summary>Auth tokens and API keys never reach a log line or an API answer.</summary>
[Collection(SystemCollection.Name)]
public sealed class SecretsTests(SystemFixture system)
{
    [Fact]
    public async Task Auth_tokens_are_masked_in_answers_and_absent_from_every_log_line()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("secret");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = account.Sid, ["twilio_sms_auth_token"] = account.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
        });
        var to = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "Secrets stay secret" }, key))
            .AcceptedRequestIdAsync();
        var request = await system.RequestWithSidAsync(id, key);

        var read = await system.Admin.GetStringAsync($"/admin/domains/{domain}");
        var list = await system.Admin.GetStringAsync("/admin/domains");
        var updated = await (await system.Admin.PutAsJsonAsync($"/admin/domains/{domain}", new { technical_json = new { twilio_sms_number = SystemFixture.UniqueNumber() } }))
            .Content.ReadAsStringAsync();
        foreach (var answer in new[] { read, list, updated, request.ToJsonString() })
        {
            Assert.DoesNotContain(account.Token, answer);
            Assert.DoesNotContain(key, answer);
        }
        Assert.Contains("\"twilio_sms_auth_token\":\"********\"", read);
        Assert.Contains("\"twilio_sms_auth_token\":\"********\"", updated); // an update without the token keeps it, still masked

        var logs = system.Logs.All;
        Assert.Contains(id.ToString(), logs); // the flow was logged...
        Assert.DoesNotContain(account.Token, logs); // ...without its secrets
        Assert.DoesNotContain(system.EnvironmentAccount.Token, logs);
        Assert.DoesNotContain(key, logs);
        Assert.DoesNotContain(SystemFixture.AdminKey, logs);
    }
}
