using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.Ingress.Api.EmailPull;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.EmailPull;

/// <summary>
/// A domain key may set its mailbox's host, port and TLS mode, so the mailbox is where a hostile tenant attacks: stealing the
/// stored password by pointing it at a listener of theirs, reaching into the operator's network, reading port states from
/// last_error, or stalling everyone's polling with a server that never answers.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class MailboxSecurityTests(SystemFixture system) : IAsyncLifetime
{
    private readonly ImapTestServer _imap = ImapTestServer.FromEnvironment();
    private readonly List<Mailbox> _created = [];

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every mailbox the test made goes, pass or fail: later tests' pollers would otherwise poll it too.</summary>
    public async Task DisposeAsync()
    {
        foreach (var mailbox in _created) await DeleteAsync(mailbox);
    }

    private sealed record Mailbox(string Domain, string Key, string Folder, string Password)
    {
        public string Url => $"/admin/domains/{Domain}/email-pull";
    }

    /// <summary>A domain with its mailbox on the test Dovecot (plain IMAP on loopback: the one host the fixture allows).</summary>
    private async Task<Mailbox> MailboxAsync(string what = "mailsec")
    {
        var domain = Api.NewDomainName(what);
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string> { ["twilio_sms_number"] = SystemFixture.UniqueNumber() });
        var folder = await _imap.CreateFolderAsync("s-" + Guid.NewGuid().ToString("N")[..12]);
        using var http = system.Ingress.CreateHttpClient(key);
        var put = await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new
        {
            imap_host = _imap.Host, imap_port = _imap.Port, tls_mode = "none", username = _imap.Username, password = _imap.Password,
            folder, default_channel = "sms", poll_interval_seconds = 5,
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var mailbox = new Mailbox(domain, key, folder, _imap.Password);
        _created.Add(mailbox);
        return mailbox;
    }

    private async Task<ServiceHost<IngressApiEntryPoint>> StartPollerAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["EmailPull:Enabled"] = "true", ["EmailPull:Tick"] = "00:00:00.200", ["Batches:DropFolder"] = "",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var host = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, system.Logs);
        await Task.Run(host.StartServer);
        return host;
    }

    /// <summary>What an operator's database could hold from before these checks, or after a change of the allow-lists.</summary>
    private async Task StoreDirectlyAsync(Mailbox mailbox, string host, int port, string tlsMode)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        await Dapper.SqlMapper.ExecuteAsync(db,
            "UPDATE email_pull_configs SET imap_host = @host, imap_port = @port, tls_mode = @tlsMode, last_error = NULL, last_polled_at = NULL WHERE domain_name = @domain",
            new { host, port, tlsMode, domain = mailbox.Domain });
    }

    private async Task<JsonObject> PolledAsync(Mailbox mailbox)
    {
        using var http = system.Ingress.CreateHttpClient(mailbox.Key);
        return await Eventually.Get(async () => await (await http.GetAsync(mailbox.Url)).JsonAsync(),
            c => c["last_polled_at"] is not null, $"the mailbox of {mailbox.Domain} to be polled");
    }

    private async Task DeleteAsync(Mailbox mailbox)
    {
        using var http = system.Ingress.CreateHttpClient(mailbox.Key);
        await http.DeleteAsync(mailbox.Url);
    }

    [Fact]
    public async Task Pointing_the_mailbox_elsewhere_needs_the_password_again_and_plain_IMAP_is_refused()
    {
        var mailbox = await MailboxAsync();
        await using var listener = new FakeImapListener(FakeImapListener.Behaviour.Imap);
        using var http = system.Ingress.CreateHttpClient(mailbox.Key);

        foreach (var change in new object[]
                 {
                     new { imap_port = listener.Port },
                     new { imap_host = "imap.example.com", tls_mode = "ssl" },
                     new { username = "someone-else" },
                     new { tls_mode = "starttls", password = EmailPullEndpoints.MaskedPassword },
                 })
        {
            var refused = await http.PutAsJsonAsync(mailbox.Url, change);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.JsonAsync();
            Assert.Contains("clears the stored password", problem["errors"]!["password"]![0]!.GetValue<string>());
        }

        var plain = await http.PutAsJsonAsync(mailbox.Url, new { imap_host = "imap.example.com", imap_port = 143, tls_mode = "none", password = "typed-again" });
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("EmailPull:AllowPlainImapHosts", (await plain.JsonAsync())["errors"]!["tls_mode"]![0]!.GetValue<string>());

        // Unchanged place: the stored password stays, and other fields may change without it.
        Assert.True((await http.PutAsJsonAsync(mailbox.Url, new { poll_interval_seconds = 30 })).IsSuccessStatusCode);
        Assert.Equal(0, listener.Connections);
        await DeleteAsync(mailbox);
    }

    [Fact]
    public async Task The_poller_checks_again_and_never_sends_the_password_in_clear_to_a_host_not_allowed()
    {
        var mailbox = await MailboxAsync();
        await using var listener = new FakeImapListener(FakeImapListener.Behaviour.Imap);
        // "localhost" may be private (this poller's operator allows it) but was never allowed plain IMAP.
        await StoreDirectlyAsync(mailbox, "localhost", listener.Port, "none");
        await using (await StartPollerAsync(new() { ["EmailPull:AllowedPrivateHosts:1"] = "localhost" }))
        {
            var polled = await PolledAsync(mailbox);
            Assert.Equal(MailboxHostPolicy.PlainImapRefused, polled.Str("last_error"));
        }
        Assert.DoesNotContain(mailbox.Password, listener.Received);
        Assert.Equal(0, listener.Connections);
        await DeleteAsync(mailbox);
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("169.254.169.254")]
    [InlineData("localhost")]
    [InlineData("192.168.0.10")]
    [InlineData("::1")]
    public async Task A_mailbox_host_on_a_loopback_link_local_or_private_address_is_refused(string host)
    {
        var mailbox = await MailboxAsync();
        using var http = system.Ingress.CreateHttpClient(mailbox.Key);
        var refused = await http.PutAsJsonAsync(mailbox.Url, new { imap_host = host, imap_port = 993, tls_mode = "ssl", password = "typed-again" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(MailboxHostPolicy.PrivateHostRefused, (await refused.JsonAsync())["errors"]!["imap_host"]![0]!.GetValue<string>());
        await DeleteAsync(mailbox);
    }

    [Fact]
    public async Task A_private_host_stored_earlier_is_not_contacted_by_the_poller()
    {
        var mailbox = await MailboxAsync();
        await using var listener = new FakeImapListener(FakeImapListener.Behaviour.Imap, "127.0.0.2");
        await StoreDirectlyAsync(mailbox, "127.0.0.2", listener.Port, "starttls");
        await using (await StartPollerAsync())
        {
            Assert.Equal(MailboxHostPolicy.PrivateHostRefused, (await PolledAsync(mailbox)).Str("last_error"));
        }
        Assert.Equal(0, listener.Connections);
        await DeleteAsync(mailbox);
    }

    [Fact]
    public async Task Last_error_reads_the_same_for_a_closed_port_a_silent_one_and_one_that_is_not_IMAP()
    {
        var closed = await MailboxAsync();
        var open = await MailboxAsync();
        var quiet = await MailboxAsync();
        await using var notImap = new FakeImapListener(FakeImapListener.Behaviour.NotImap);
        await using var silent = new FakeImapListener(FakeImapListener.Behaviour.Silent);
        await StoreDirectlyAsync(closed, SystemFixture.TestImapHost, FreePort.Next(), "none");
        await StoreDirectlyAsync(open, SystemFixture.TestImapHost, notImap.Port, "none");
        await StoreDirectlyAsync(quiet, SystemFixture.TestImapHost, silent.Port, "none");
        await using (await StartPollerAsync(new() { ["EmailPull:ConnectTimeout"] = "00:00:02" }))
        {
            Assert.Equal(MailboxErrors.Unreachable, (await PolledAsync(closed)).Str("last_error"));
            Assert.Equal(MailboxErrors.Unreachable, (await PolledAsync(open)).Str("last_error"));
            Assert.Equal(MailboxErrors.Unreachable, (await PolledAsync(quiet)).Str("last_error"));
        }
        foreach (var mailbox in new[] { closed, open, quiet }) await DeleteAsync(mailbox);
    }

    [Fact]
    public async Task A_hanging_mailbox_is_cut_off_and_does_not_stall_the_others()
    {
        // Polled first (mailboxes are listed by domain name), and silent for longer than the test waits.
        var hanging = await MailboxAsync("0hang");
        await using var silent = new FakeImapListener(FakeImapListener.Behaviour.Silent);
        await StoreDirectlyAsync(hanging, SystemFixture.TestImapHost, silent.Port, "none");
        var good = await MailboxAsync("zgood");
        var person = SystemFixture.UniqueNumber();
        await _imap.AppendAsync(good.Folder, ImapTestServer.Mail($"phone: {person}\n\nThe others still get polled."));

        await using (await StartPollerAsync(new() { ["EmailPull:ConnectTimeout"] = "00:05:00", ["EmailPull:MailboxTimeout"] = "00:00:03" }))
        {
            await system.SentForRequestAsync(person);
            // Cut off by its own timeout; silent before the greeting, it reads like a closed port.
            Assert.Equal(MailboxErrors.Unreachable, (await PolledAsync(hanging)).Str("last_error"));
        }
        await DeleteAsync(hanging);
        await DeleteAsync(good);
    }

    [Fact]
    public async Task Only_allowed_senders_can_make_the_domain_send()
    {
        var mailbox = await MailboxAsync();
        using var http = system.Ingress.CreateHttpClient(mailbox.Key);
        var bad = await http.PutAsJsonAsync(mailbox.Url, new { allowed_senders = new[] { "not an address" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var put = await http.PutAsJsonAsync(mailbox.Url, new { allowed_senders = new[] { "@Trusted.example", "boss@elsewhere.example" } });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        Assert.Equal("@trusted.example", (await put.JsonAsync())["allowed_senders"]![0]!.GetValue<string>());

        var (stranger, trusted) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var fromStranger = ImapTestServer.Mail($"phone: {stranger}\n\nSend this for me.");
        var fromTrusted = ImapTestServer.Mail($"phone: {trusted}\n\nSend this for me too.");
        fromTrusted.From.Clear();
        fromTrusted.From.Add(MimeKit.MailboxAddress.Parse("ops@trusted.example"));
        await _imap.AppendAsync(mailbox.Folder, fromStranger);
        await _imap.AppendAsync(mailbox.Folder, fromTrusted);

        await using (await StartPollerAsync())
        {
            await system.SentForRequestAsync(trusted);
            var mails = await Eventually.Get(async () => await (await http.GetAsync(mailbox.Url + "/mails")).Content.ReadFromJsonAsync<List<Dictionary<string, object?>>>(),
                m => m.Any(x => x["status"]?.ToString() == "rejected"), "the stranger's mail to be rejected");
            Assert.Contains("allowed_senders", mails.Single(m => m["status"]?.ToString() == "rejected")["reason"]!.ToString());
        }
        Assert.Empty(await system.Emulator.GetRequestsAsync(stranger));
        await DeleteAsync(mailbox);
    }
}
