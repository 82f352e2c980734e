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

    /// <summary>A domain with an account per channel and its mailbox, which the test disposes (every poller polls every mailbox).</summary>
    private async Task<TestMailbox> MailboxAsync(string defaultChannel = "wmsg")
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
        return await TestMailbox.CreateAsync(system, _imap, domain, key, defaultChannel);
    }

    private Task<ServiceHost<IngressApiEntryPoint>> StartPollerAsync() => EmailPoller.StartAsync(system);

    /// <summary>Waits for Twilio to be asked for a request to <paramref name="number"/>; a second ask fails it.</summary>
    private Task<TwilioEmulator.Inspection.RecordedRequest> SentToAsync(string number) => system.SentForRequestAsync(number);

    /// <summary>The mailbox's record of its mails, once every one of them has been decided (handled or rejected).</summary>
    private async Task<List<System.Text.Json.Nodes.JsonObject>> MailsSettledAsync(TestMailbox mailbox, int count)
    {
        using var http = system.Ingress.CreateHttpClient(mailbox.Key);
        var mails = await Eventually.Get(async () => (await (await http.GetAsync(mailbox.Url + "/mails")).Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonArray>())!,
            m => m.Count >= count && m.All(x => x!["status"]?.GetValue<string>() is not ("claimed" or "processing")), $"{count} mails to be decided");
        return mails.Select(m => m!.AsObject()).ToList();
    }

    [Fact]
    public async Task A_mail_becomes_a_request_on_wmsg_by_default_and_a_mail_naming_wvoice_becomes_a_call()
    {
        await using var mailbox = await MailboxAsync(defaultChannel: "wmsg");
        var (message, call, fromCsv) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        await system.PersonWroteOnWhatsAppAsync(mailbox.Domain, message);
        await mailbox.AppendAsync(ImapTestServer.Mail($"phone: {message}\nname: Jane\n\nRemind Jane about Tuesday's appointment."));
        await mailbox.AppendAsync(ImapTestServer.Mail($"Phone: {call}\nChannel: wvoice\nType: appointment_booking\n\nBook a cleaning for Ana."));
        var withCsv = ImapTestServer.Mail("The list is attached.", csv: ("people.csv",
            Encoding.UTF8.GetBytes($"phone_number,name,email,instruction,call_type,channel\n{fromCsv},Bo,,From the attachment,informational,sms\n")));
        await mailbox.AppendAsync(withCsv);

        await using var poller = await StartPollerAsync();
        var sent = await SentToAsync(message);
        Assert.Equal("Messages", sent.Resource);
        Assert.Equal("whatsapp:" + message, sent.Form["To"]);
        Assert.Contains("Remind Jane about Tuesday", sent.Form["Body"]);
        var placed = await SentToAsync(call);
        Assert.Equal("Calls", placed.Resource);
        Assert.Equal("whatsapp:" + call, placed.Form["To"]);
        var fromAttachment = await SentToAsync(fromCsv);
        Assert.Equal(fromCsv, fromAttachment.Form["To"]);

        // Handled mails stay where they were, flagged \Seen, and are recorded as handled with the requests they made.
        var handled = await Eventually.Get(() => _imap.FindAsync(mailbox.Folder, withCsv.MessageId), f => f.Seen, "the handled mail to be flagged \\Seen");
        Assert.False((await _imap.FindAsync("Aventora/Rejected", withCsv.MessageId!)).Present);
        var mails = await MailsSettledAsync(mailbox, 3);
        Assert.All(mails, m => Assert.Equal(("handled", 1), (m.Str("status"), m["request_count"]!.GetValue<int>())));
        // Now that every mail is decided: each number was asked for exactly once.
        foreach (var number in new[] { message, call, fromCsv }) await SentToAsync(number);
    }

    [Fact]
    public async Task A_mailbox_whose_default_channel_is_wvoice_turns_a_mail_without_a_channel_into_a_whatsapp_call()
    {
        await using var mailbox = await MailboxAsync(defaultChannel: "wvoice");
        var person = SystemFixture.UniqueNumber();
        await mailbox.AppendAsync(ImapTestServer.Mail($"phone: {person}\nname: Ana\n\nConfirm Thursday's visit."));

        await using var poller = await StartPollerAsync();
        var placed = await SentToAsync(person);
        Assert.Equal("Calls", placed.Resource);
        Assert.Equal("whatsapp:" + person, placed.Form["To"]);
        Assert.StartsWith("whatsapp:+", placed.Form["From"]);
        var request = await system.RequestWhenAsync(await RequestIdAsync(mailbox.Domain, person), r => r["twilio_sid"] is not null, "the call's request", mailbox.Key);
        Assert.Equal("wvoice", request.Str("channel"));
        var call = await system.Emulator.WaitForCallEndAsync(placed.CreatedSid!, TimeSpan.FromSeconds(30));
        Assert.Contains(call.Says, said => said.Contains("Confirm Thursday's visit") && said.Contains("Ana"));
        Assert.Empty(await system.Emulator.GetMessagesAsync(person)); // a call, not a message
    }

    [Fact]
    public async Task A_whatsapp_mail_to_someone_who_never_wrote_is_refused_as_outside_the_window()
    {
        await using var mailbox = await MailboxAsync(defaultChannel: "wmsg");
        var (stranger, after) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        await mailbox.AppendAsync(ImapTestServer.Mail($"phone: {stranger}\n\nYour order shipped."));
        await mailbox.AppendAsync(ImapTestServer.Mail($"phone: {after}\nchannel: sms\n\nYour order shipped."));

        await using var poller = await StartPollerAsync();
        await SentToAsync(after);
        var refused = await system.RequestWhenAsync(await RequestIdAsync(mailbox.Domain, stranger), r => r["error_code"] is not null || r["twilio_sid"] is not null,
            "the stranger's request to be decided", mailbox.Key);
        Assert.Equal(("failed", "whatsapp_window_closed"), (refused.Str("status"), refused.Str("error_code")));
        Assert.Empty(await system.Emulator.GetRequestsAsync(stranger));
    }

    private async Task<Guid> RequestIdAsync(string domain, string person)
    {
        var ids = await Eventually.Get(async () =>
        {
            await using var db = await system.Database.OpenConnectionAsync();
            return (await Dapper.SqlMapper.QueryAsync<Guid>(db,
                "SELECT id FROM call_logs WHERE domain_name = @domain AND phone_number = @person AND source = 'email'", new { domain, person })).ToList();
        }, ids => ids.Count > 0, $"the request to {person} to be recorded");
        return Assert.Single(ids);
    }

    [Fact]
    public async Task A_restarted_poller_does_not_repeat_mails_even_when_their_seen_flag_was_lost()
    {
        await using var mailbox = await MailboxAsync();
        var first = SystemFixture.UniqueNumber();
        await system.PersonWroteOnWhatsAppAsync(mailbox.Domain, first);
        var mail = ImapTestServer.Mail($"phone: {first}\n\nOnly once, please.");
        await mailbox.AppendAsync(mail);

        // Two pollers at once: the claim lets one of them have the mail.
        var one = await StartPollerAsync();
        await using (var two = await StartPollerAsync())
        {
            await SentToAsync(first);
            await Eventually.Get(() => _imap.FindAsync(mailbox.Folder, mail.MessageId), f => f.Seen, "the mail to be flagged \\Seen");
        }
        await one.DisposeAsync();

        await _imap.MarkUnseenAsync(mailbox.Folder, mail.MessageId);
        var second = SystemFixture.UniqueNumber();
        await system.PersonWroteOnWhatsAppAsync(mailbox.Domain, second);
        await mailbox.AppendAsync(ImapTestServer.Mail($"phone: {second}\n\nA new mail after the restart."));
        await using var restarted = await StartPollerAsync();
        await SentToAsync(second);
        await Eventually.Get(() => _imap.FindAsync(mailbox.Folder, mail.MessageId), f => f.Seen, "the restarted poller to flag the known mail again");

        Assert.Single((await system.Emulator.GetRequestsAsync(first)).Where(Api.IsForRequest));
        Assert.Equal(2, (await MailsSettledAsync(mailbox, 2)).Count);
    }

    [Fact]
    public async Task A_mail_it_cannot_read_is_set_aside_with_its_reason_and_the_poller_carries_on()
    {
        await using var mailbox = await MailboxAsync();
        var bad = ImapTestServer.Mail("Hi, could you call my aunt sometime?\nThanks");
        var invalid = ImapTestServer.Mail("phone: 12345\nchannel: fax\n\nSomething");
        var good = SystemFixture.UniqueNumber();
        await system.PersonWroteOnWhatsAppAsync(mailbox.Domain, good);
        await mailbox.AppendAsync(bad, invalid, ImapTestServer.Mail($"phone: {good}\n\nThe good one after the bad ones."));

        await using var poller = await StartPollerAsync();
        await SentToAsync(good);
        await Eventually.Get(() => _imap.FindAsync("Aventora/Rejected", bad.MessageId), f => f.Present, "the unreadable mail to be moved aside");
        await Eventually.Get(() => _imap.FindAsync("Aventora/Rejected", invalid.MessageId), f => f.Present, "the invalid mail to be moved aside");
        Assert.False((await _imap.FindAsync(mailbox.Folder, bad.MessageId)).Present);

        var mails = await MailsSettledAsync(mailbox, 3);
        var rejected = mails.Where(m => m.Str("status") == "rejected").Select(m => m.Str("reason")).ToList();
        Assert.Equal(2, rejected.Count);
        Assert.Contains(rejected, r => r.Contains("phone"));
        Assert.Contains(rejected, r => r.Contains("channel") && r.Contains("wvoice"));
    }

    [Fact]
    public async Task Mailbox_settings_refuse_an_invalid_channel_and_never_show_the_password()
    {
        await using var mailbox = await MailboxAsync();
        var (domain, key) = (mailbox.Domain, mailbox.Key);
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
        await using var mailbox = await MailboxAsync();
        var secret = "wrong-" + Guid.NewGuid().ToString("N");
        using var http = system.Ingress.CreateHttpClient(mailbox.Key);
        (await http.PutAsJsonAsync(mailbox.Url, new { password = secret })).EnsureSuccessStatusCode();
        await using var poller = await StartPollerAsync();
        var shown = await Eventually.Get(async () => await (await http.GetAsync(mailbox.Url)).JsonAsync(),
            c => c["last_error"] is not null, "the failed poll to be recorded");
        Assert.Contains("password", shown.Str("last_error"));
        Assert.DoesNotContain(secret, shown.ToJsonString());
        Assert.DoesNotContain(secret, system.Logs.All);
    }
}
