using System.Net.Http.Json;
using System.Text.Json;
using Aventora.IntegrationTests.EmailPull;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.Persistence.Migrations;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// Auth tokens and mailbox passwords are stored encrypted (Data Protection, the run's shared key ring): someone who reads
/// the database finds no secret, while every service still sends with the domain's own account.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SecretsAtRestTests(SystemFixture system)
{
    private readonly ImapTestServer _imap = ImapTestServer.FromEnvironment();

    [Fact]
    public async Task The_columns_hold_no_secret_and_the_workers_still_send_with_the_domains_own_account()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("atrest");
        var number = SystemFixture.UniqueNumber();
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = account.Sid, ["twilio_sms_auth_token"] = account.Token, ["twilio_sms_number"] = number,
        });
        const string mailboxPassword = "mailbox-secret-at-rest-0451";
        using var http = system.Ingress.CreateHttpClient(key);
        (await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new
        {
            imap_host = _imap.Host, imap_port = _imap.Port, tls_mode = "none", username = _imap.Username, password = mailboxPassword,
            folder = "INBOX", default_channel = "sms", enabled = false,
        })).EnsureSuccessStatusCode();

        var (technicalJson, password) = await RawAsync(domain);
        Assert.DoesNotContain(account.Token, technicalJson);
        Assert.StartsWith("dp1:", JsonDocument.Parse(technicalJson).RootElement.GetProperty("twilio_sms_auth_token").GetString());
        Assert.Contains(account.Sid, technicalJson); // only secrets are encrypted: SIDs and numbers stay readable
        Assert.DoesNotContain(mailboxPassword, password);
        Assert.StartsWith("dp1:", password);

        var to = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(Api.StartBody(to, "sms", "informational", "Sent with the decrypted token"), key)).AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id, key)).Str("twilio_sid");
        var sent = await system.Emulator.GetMessageAsync(sid);
        Assert.Equal(account.Sid, sent!.AccountSid); // the emulator accepted the domain's own SID and token
        Assert.Equal(number, sent.From);
    }

    [Fact]
    public async Task A_row_written_before_encryption_keeps_working_and_is_encrypted_at_the_next_start()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("legacy");
        var number = SystemFixture.UniqueNumber();
        var plain = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = account.Sid, ["twilio_sms_auth_token"] = account.Token, ["twilio_sms_number"] = number,
        });
        await using (var db = await system.Database.OpenConnectionAsync())
            await db.ExecuteAsync("INSERT INTO domains (name, technical_json, credits_enforced) VALUES (@domain, @plain::jsonb, false)", new { domain, plain });

        var first = await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Plain row", domain));
        var sent = await system.Emulator.GetMessageAsync((await system.RequestWithSidAsync(await first.AcceptedRequestIdAsync())).Str("twilio_sid"));
        Assert.Equal(account.Sid, sent!.AccountSid);

        // What every service does at startup, after the migrations.
        await system.Ingress.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var (technicalJson, _) = await RawAsync(domain);
        Assert.DoesNotContain(account.Token, technicalJson);

        await system.Admin.PutAsJsonAsync($"/admin/domains/{domain}", new { technical_json = new { twilio_sms_number = number } }); // drops cached copies
        var second = await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Encrypted row", domain));
        sent = await system.Emulator.GetMessageAsync((await system.RequestWithSidAsync(await second.AcceptedRequestIdAsync())).Str("twilio_sid"));
        Assert.Equal(account.Sid, sent!.AccountSid);
    }

    private async Task<(string TechnicalJson, string Password)> RawAsync(string domain)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        var technicalJson = await db.QuerySingleAsync<string>("SELECT technical_json::text FROM domains WHERE name = @domain", new { domain });
        var password = await db.QuerySingleOrDefaultAsync<string>("SELECT password FROM email_pull_configs WHERE domain_name = @domain", new { domain });
        return (technicalJson, password ?? "");
    }
}
