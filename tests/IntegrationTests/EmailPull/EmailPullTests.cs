using System.Net;
using System.Net.Http.Json;
using System.Text;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.EmailPull;

/// <summary>
/// Email pull against the real Dovecot: mails become requests on the mailbox's default channel or the one they name, once,
/// across a restart of the poller; a mail that cannot be read is set aside. The pollers run in Ingress hosts of these tests'
/// own (the shared one has EmailPull:Enabled=false), so they can be stopped and started.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class EmailPullTests(SystemFixture system)
{
    private readonly ImapTestServer _imap = ImapTestServer.FromEnvironment();

    private async Task<(string Domain, string Key, string Folder)> MailboxAsync(string defaultChannel = "wmsg")
    {
        var sms = await system.NewAccountAsync();
        var phone = await system.NewAccountAsync();
        var whatsapp = await system.NewAccountAsync();
        var domain = Api.NewDomainName("mail");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = sms.Sid, ["twilio_sms_auth_token"] = sms.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
            ["twilio_phone_account_sid"] = phone.Sid, ["twilio_phone_auth_token"] = phone.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
            ["twilio_whatsapp_account_sid"] = whatsapp.Sid, ["twilio_whatsapp_auth_token"] = whatsapp.Token, ["twilio_whatsapp_number"] = "whatsapp:" + SystemFixture.UniqueNumber(),
        });
        var folder = await _imap.CreateFolderAsync("t-" + Guid.NewGuid().ToString("N")[..12]);
        using var http = system.Ingress.CreateHttpClient(key);
        var put = await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new
        {
            imap_host = _imap.Host, imap_port = _imap.Port, tls_mode = "none", username = _imap.Username, password = _imap.Password,
            folder, default_channel = defaultChannel, default_type = "informational", poll_interval_seconds = 5,
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return (domain, key, folder);
    }

    private async Task<ServiceHost<IngressApiEntryPoint>> StartPollerAsync()
    {
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["EmailPull:Enabled"] = "true",
            ["EmailPull:Tick"] = "00:00:00.200",
            // Its own drop folder (none): only the shared host watches the fixture's.
            ["Batches:DropFolder"] = "",
        };
        var host = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, system.Logs);
        await Task.Run(host.StartServer);
        return host;
    }

    private Task<TwilioEmulator.Inspection.RecordedRequest> SentToAsync(string number) =>
        Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(number)).FirstOrDefault(), _ => true, $"a request to {number}");

    [Fact]
    public async Task A_mail_becomes_a_request_on_wmsg_by_default_and_a_mail_naming_wvoice_becomes_a_call()
    {
        var (domain, _, folder) = await MailboxAsync(defaultChannel: "wmsg");
        var (message, call, fromCsv) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        await system.PersonWroteOnWhatsAppAsync(domain, message);
        await _imap.AppendAsync(folder, ImapTestServer.Mail($"phone: {message}\nname: Jane\n\nRemind Jane about Tuesday's appointment."));
        await _imap.AppendAsync(folder, ImapTestServer.Mail($"Phone: {call}\nChannel: wvoice\nType: appointment_booking\n\nBook a cleaning for Ana."));
        var withCsv = ImapTestServer.Mail("The list is attached.", csv: ("people.csv",
            Encoding.UTF8.GetBytes($"phone_number,name,email,instruction,call_type,channel\n{fromCsv},Bo,,From the attachment,informational,sms\n")));
        await _imap.AppendAsync(folder, withCsv);

        await using var poller = await StartPollerAsync();
        var sent = await SentToAsync(message);
        Assert.Equal("Messages", sent.Resource);
        Assert.Equal("whatsapp:" + message, sent.Form["To"]);
        var placed = await SentToAsync(call);
        Assert.Equal("Calls", placed.Resource);
        Assert.Equal("whatsapp:" + call, placed.Form["To"]);
        var fromAttachment = await SentToAsync(fromCsv);
        Assert.Equal(fromCsv, fromAttachment.Form["To"]);

        var handled = await Eventually.Get(() => _imap.FindAsync(folder, withCsv.MessageId), f => f.Seen, "the handled mail to be flagged \\Seen");
        Assert.True(handled.Present);
    }

    [Fact]
    public async Task A_restarted_poller_does_not_repeat_mails_even_when_their_seen_flag_was_lost()
    {
        var (domain, _, folder) = await MailboxAsync();
        var first = SystemFixture.UniqueNumber();
        await system.PersonWroteOnWhatsAppAsync(domain, first);
        var mail = ImapTestServer.Mail($"phone: {first}\n\nOnly once, please.");
        await _imap.AppendAsync(folder, mail);

        // Two pollers at once: the claim lets one of them have the mail.
        var one = await StartPollerAsync();
        await using (var two = await StartPollerAsync())
        {
            await SentToAsync(first);
            await Eventually.Get(() => _imap.FindAsync(folder, mail.MessageId), f => f.Seen, "the mail to be flagged \\Seen");
        }
        await one.DisposeAsync();

        await _imap.MarkUnseenAsync(folder, mail.MessageId);
        var second = SystemFixture.UniqueNumber();
        await system.PersonWroteOnWhatsAppAsync(domain, second);
        await _imap.AppendAsync(folder, ImapTestServer.Mail($"phone: {second}\n\nA new mail after the restart."));
        await using var restarted = await StartPollerAsync();
        await SentToAsync(second);
        await Eventually.Get(() => _imap.FindAsync(folder, mail.MessageId), f => f.Seen, "the restarted poller to flag the known mail again");

        Assert.Single(await system.Emulator.GetRequestsAsync(first));
    }

    [Fact]
    public async Task A_mail_it_cannot_read_is_set_aside_with_its_reason_and_the_poller_carries_on()
    {
        var (domain, key, folder) = await MailboxAsync();
        var bad = ImapTestServer.Mail("Hi, could you call my aunt sometime?\nThanks");
        var invalid = ImapTestServer.Mail("phone: 12345\nchannel: fax\n\nSomething");
        var good = SystemFixture.UniqueNumber();
        await system.PersonWroteOnWhatsAppAsync(domain, good);
        await _imap.AppendAsync(folder, bad);
        await _imap.AppendAsync(folder, invalid);
        await _imap.AppendAsync(folder, ImapTestServer.Mail($"phone: {good}\n\nThe good one after the bad ones."));

        await using var poller = await StartPollerAsync();
        await SentToAsync(good);
        await Eventually.Get(() => _imap.FindAsync("Aventora/Rejected", bad.MessageId), f => f.Present, "the unreadable mail to be moved aside");
        await Eventually.Get(() => _imap.FindAsync("Aventora/Rejected", invalid.MessageId), f => f.Present, "the invalid mail to be moved aside");
        Assert.False((await _imap.FindAsync(folder, bad.MessageId)).Present);

        using var http = system.Ingress.CreateHttpClient(key);
        var mails = (await (await http.GetAsync($"/admin/domains/{domain}/email-pull/mails")).Content.ReadFromJsonAsync<List<Dictionary<string, object?>>>())!;
        var rejected = mails.Where(m => m["status"]?.ToString() == "rejected").Select(m => m["reason"]?.ToString() ?? "").ToList();
        Assert.Equal(2, rejected.Count);
        Assert.Contains(rejected, r => r.Contains("phone"));
        Assert.Contains(rejected, r => r.Contains("channel") && r.Contains("wvoice"));
    }

    [Fact]
    public async Task Mailbox_settings_refuse_an_invalid_channel_and_never_show_the_password()
    {
        var (domain, key, _) = await MailboxAsync();
        using var http = system.Ingress.CreateHttpClient(key);
        var bad = await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new { default_channel = "whatsapp" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        foreach (var channel in new[] { "phone", "sms", "wmsg", "wvoice" }) Assert.Contains(channel, problem);

        var changed = await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new { default_channel = "wvoice" });
        var body = await changed.Content.ReadAsStringAsync();
        Assert.True(changed.IsSuccessStatusCode, body);
        Assert.Contains("\"default_channel\":\"wvoice\"", body);
        var shown = await (await http.GetAsync($"/admin/domains/{domain}/email-pull")).Content.ReadAsStringAsync();
        Assert.Contains("\"password\":\"********\"", shown);
        Assert.DoesNotContain(_imap.Password, shown.Replace(_imap.Username, ""));

        var other = await system.CreateDomainAsync(Api.NewDomainName("other"), new Dictionary<string, string>());
        using var otherHttp = system.Ingress.CreateHttpClient(other);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherHttp.GetAsync($"/admin/domains/{domain}/email-pull")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_mailbox_password_is_reported_without_the_password()
    {
        var (domain, key, _) = await MailboxAsync();
        var secret = "wrong-" + Guid.NewGuid().ToString("N");
        using var http = system.Ingress.CreateHttpClient(key);
        (await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new { password = secret })).EnsureSuccessStatusCode();
        await using var poller = await StartPollerAsync();
        var shown = await Eventually.Get(async () => await (await http.GetAsync($"/admin/domains/{domain}/email-pull")).JsonAsync(),
            c => c["last_error"] is not null, "the failed poll to be recorded");
        Assert.Contains("password", shown.Str("last_error"));
        Assert.DoesNotContain(secret, shown.ToJsonString());
        Assert.DoesNotContain(secret, system.Logs.All);
    }
}
