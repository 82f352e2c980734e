using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.EmailPull;
using Aventora.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Aventora.IntegrationTests.Console;

/// <summary>
/// The admin console in a real browser (Debian's Chromium, headless), against the whole system with the Twilio emulator: what a
/// person signs in to, sends, uploads and sets up, checked where it lands (the emulator, the API). Screenshots of each screen go
/// to docs/screenshots for the README.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ConsoleBrowserTests(SystemFixture system, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>A domain with its own SMS, phone and WhatsApp accounts and numbers, credits, and a key of its own.</summary>
    private async Task<(string Domain, string Key)> DomainAsync(string what)
    {
        var sms = await system.NewAccountAsync();
        var phone = await system.NewAccountAsync();
        var whatsapp = await system.NewAccountAsync();
        var domain = Api.NewDomainName(what);
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = sms.Sid, ["twilio_sms_auth_token"] = sms.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
            ["twilio_phone_account_sid"] = phone.Sid, ["twilio_phone_auth_token"] = phone.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
            ["twilio_whatsapp_account_sid"] = whatsapp.Sid, ["twilio_whatsapp_auth_token"] = whatsapp.Token,
            ["twilio_whatsapp_number"] = "whatsapp:" + SystemFixture.UniqueNumber(),
        });
        return (domain, key);
    }

    [Fact]
    public async Task Signing_in_takes_a_known_key_refuses_an_unknown_one_and_signing_out_ends_the_session()
    {
        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(console.Url("/requests"));
        await page.WaitForURLAsync(url => url.Contains("/signin"));
        await page.ScreenshotAsync("signin");

        await page.GetByLabel("API key").FillAsync("av_0000000000000000000000000000000000000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=signin-notice]")).ToContainTextAsync("does not know this key");

        await page.SignInAsync(console, SystemFixture.AdminKey);
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync("Admin");
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "aventora_console");
        Assert.True(cookie.HttpOnly);
        Assert.DoesNotContain(SystemFixture.AdminKey, cookie.Value);
        Assert.DoesNotContain(SystemFixture.AdminKey, await page.ContentAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin"));
        await page.GotoAsync(console.Url("/send"));
        await page.WaitForURLAsync(url => url.Contains("/signin"));
    }

    [Fact]
    public async Task One_request_on_each_channel_reaches_the_emulator_and_its_final_status_shows_on_screen()
    {
        var (domain, key) = await DomainAsync("ui-send");
        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, key);
        await Assertions.Expect(page.Locator("#domain-name")).ToHaveValueAsync(domain);

        foreach (var (channel, label) in new[] { ("sms", "SMS"), ("wmsg", "WhatsApp Message"), ("phone", "Phone"), ("wvoice", "WhatsApp Voice") })
        {
            var to = SystemFixture.UniqueNumber();
            await page.Locator("#phone-number").FillAsync(to);
            await page.GetByRole(AriaRole.Radio, new() { Name = label, Exact = true }).CheckAsync();
            await page.Locator("#request-type").FillAsync("informational");
            await page.Locator("#instruction").FillAsync($"Console test on {label}");
            if (channel == "wmsg")
            {
                await Assertions.Expect(page.Locator("[data-testid=whatsapp-24h-rule]")).ToContainTextAsync("24 hours");
                await page.Locator("#content-sid").FillAsync(Api.TemplateSid);
                await page.Locator("#content-variables").FillAsync("{\"1\":\"Jane\"}");
            }
            else
            {
                await Assertions.Expect(page.Locator("#content-sid")).ToHaveCountAsync(0);
            }
            var status = page.Locator("[data-testid=request-status]");
            var previous = await status.CountAsync() == 0 ? null : (await status.Locator(".status-chip").First.InnerTextAsync()).Trim();
            await page.Locator("[data-testid=send-button]").ClickAsync();

            // The panel follows the new request (not the one before), until its status settles.
            if (previous is not null) await Assertions.Expect(status.Locator(".status-chip").First).Not.ToHaveTextAsync(previous);
            await Assertions.Expect(status.Locator("[data-testid=request-final]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Assertions.Expect(status.Locator("[data-testid=request-status-value]"))
                .ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\s*(delivered|read|completed)\\s*$"));
            if (channel == "wmsg") await page.ScreenshotAsync("send-one");

            var sent = Assert.Single(await Eventually.Get(async () => await system.Emulator.GetRequestsAsync(to), r => r.Count > 0,
                $"the {label} request to reach the emulator"));
            Assert.Equal(channel is "sms" or "wmsg" ? "Messages" : "Calls", sent.Resource);
            Assert.Equal(channel is "wmsg" or "wvoice" ? "whatsapp:" + to : to, sent.Form["To"]);
            // What the screen says is what the API has.
            var id = Guid.Parse((await status.Locator(".status-chip").First.InnerTextAsync()).Trim());
            var request = await (await system.Ingress.CreateHttpClient(key).GetAsync($"/requests/{id}")).JsonAsync();
            Assert.Equal(channel, request.Str("channel"));
            Assert.Equal(sent.CreatedSid, request.Str("twilio_sid"));
        }

        var phoneSized = await browser.NewPageAsync(390, 844);
        await phoneSized.SignInAsync(console, key);
        await phoneSized.ScreenshotAsync("send-one-phone");
    }

    [Fact]
    public async Task A_csv_with_a_bad_row_shows_the_rejection_and_the_progress_reaches_the_end()
    {
        var (_, key) = await DomainAsync("ui-bulk");
        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, key);
        await page.GetByRole(AriaRole.Link, new() { Name = "Bulk upload" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=column-docs]")).ToContainTextAsync("wvoice");

        var (first, second) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var csv = "phone_number,name,email,instruction,call_type,channel\n"
                  + $"{first},Jane,,Reminder for Jane,reminder,sms\n"
                  + "not-a-number,Bad,,This row is wrong,reminder,sms\n"
                  + $"{second},John,,Reminder for John,reminder,\n";
        await page.Locator("#bulk-file").SetInputFilesAsync(new FilePayload { Name = "people.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await Assertions.Expect(page.Locator("[data-testid=bulk-preview]")).ToContainTextAsync("not-a-number");
        await page.Locator("[data-testid=bulk-upload]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=bulk-rejected-count]")).ToHaveTextAsync("1");
        var rejected = page.Locator("[data-testid=bulk-rejected]");
        await Assertions.Expect(rejected).ToContainTextAsync("3");
        await Assertions.Expect(rejected).ToContainTextAsync("phone_number");
        await Assertions.Expect(page.Locator("[data-testid=bulk-finished]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=bulk-progress-text]")).ToHaveTextAsync("2 of 2");
        await page.ScreenshotAsync("bulk-upload");

        foreach (var number in new[] { first, second })
            Assert.Single(await Eventually.Get(async () => await system.Emulator.GetRequestsAsync(number), r => r.Count > 0, $"the row for {number} to reach the emulator"));
    }

    [Fact]
    public async Task Email_pull_settings_saved_with_default_channel_wvoice_read_back_the_same_and_the_mailbox_answers_the_test()
    {
        var imap = ImapTestServer.FromEnvironment();
        var (domain, key) = await DomainAsync("ui-mail");
        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, key);
        await page.GetByRole(AriaRole.Link, new() { Name = "Email pull" }).ClickAsync();

        await page.Locator("#imap-host").FillAsync(imap.Host);
        await page.Locator("#imap-port").FillAsync(imap.Port.ToString());
        await page.ChooseAsync("tls-mode", "None");
        await page.Locator("#imap-username").FillAsync(imap.Username);
        await page.Locator("#imap-password").FillAsync(imap.Password);
        await page.ChooseAsync("default-channel", "WhatsApp Voice (wvoice)");
        await page.GetByLabel("Poll this mailbox").UncheckAsync();
        await page.Locator("[data-testid=email-save]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=email-saved]")).ToBeVisibleAsync();

        using var http = system.Ingress.CreateHttpClient(key);
        var stored = await (await http.GetAsync($"/admin/domains/{domain}/email-pull")).JsonAsync();
        Assert.Equal("wvoice", stored.Str("default_channel"));
        Assert.Equal(imap.Username, stored.Str("username"));

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#default-channel")).ToHaveValueAsync("wvoice");
        await Assertions.Expect(page.Locator("#default-channel").Locator("xpath=ancestor::div[contains(@class,'mud-select')][1]"))
            .ToContainTextAsync("WhatsApp Voice (wvoice)");
        await Assertions.Expect(page.Locator("#imap-password")).ToHaveValueAsync("");
        await page.Locator("[data-testid=email-test]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=email-test-result]")).ToContainTextAsync("Connected and logged in");
        await page.ScreenshotAsync("email-pull");

        // A refusal shows beside its field, and nothing looks saved.
        await page.Locator("#poll-interval").FillAsync("1");
        await page.Locator("[data-testid=email-save]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=email-problem]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#poll-interval").Locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' mud-input-control ')][1]"))
            .ToContainTextAsync("poll_interval_seconds must be between 5 and 86400");
        await Assertions.Expect(page.Locator("[data-testid=email-saved]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_call_a_machine_answered_shows_who_answered_and_the_voicemail_left()
    {
        const string Voicemail = "Hi, this is the clinic: please call us back about tomorrow.";
        var domain = await Campaigns.CampaignTestKit.DomainAsync(system, "ui-voicemail",
            new Dictionary<string, string> { ["voicemail_mode"] = "message", ["voicemail_message"] = Voicemail });
        var person = SystemFixture.UniqueNumber();
        await system.Emulator.SetAnsweredByAsync(person, "machine_start", times: 1);
        var id = await (await system.StartAsync(Api.StartBody(person, "phone", "reminder", "Tomorrow's appointment", domain.Name), domain.Key)).AcceptedRequestIdAsync();
        await system.RequestWhenAsync(id, r => r.Str("machine_action") == "voicemail", "the voicemail to be left", domain.Key);

        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, domain.Key);
        await page.GotoAsync(console.Url($"/requests/{id}"));
        await Assertions.Expect(page.Locator("[data-testid=request-answered-by]")).ToHaveTextAsync("machine_end_beep · voicemail left");
        await Assertions.Expect(page.Locator("[data-testid=request-detail]")).ToContainTextAsync(Voicemail);
    }

    [Fact]
    public async Task A_cancelled_request_shows_as_final_and_every_status_of_the_lifecycle_can_be_filtered_on()
    {
        var (domain, key) = await DomainAsync("ui-cancel");
        var body = Api.StartBody(SystemFixture.UniqueNumber(), "sms", "reminder", "Your appointment", domain);
        body["send_at"] = DateTimeOffset.UtcNow.AddHours(2).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var id = await (await system.StartAsync(body, key)).AcceptedRequestIdAsync();
        await system.RequestWhenAsync(id, r => r.Str("status") == "scheduled", "the request to be scheduled", key);
        using (var http = system.Ingress.CreateHttpClient(key))
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.PostAsync($"/requests/{id}/cancel", null)).StatusCode);

        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, key);
        await page.GotoAsync(console.Url($"/requests/{id}"));
        await Assertions.Expect(page.Locator("[data-testid=request-status-value]")).ToHaveTextAsync("cancelled");
        await Assertions.Expect(page.Locator("[data-testid=request-final]")).ToBeVisibleAsync();

        // The filter offers exactly the statuses the API's lifecycle has, and filtering on cancelled finds the request.
        using var api = system.Ingress.CreateHttpClient(key);
        var statuses = (await api.GetFromJsonAsync<JsonObject>("/statuses"))!["statuses"]!.AsArray().Select(s => s!["status"]!.GetValue<string>()).ToList();
        Assert.Superset(new HashSet<string> { "cancelled", "scheduled", "paused", "accepted", "read", "inbound" }, statuses.ToHashSet());
        await page.GotoAsync(console.Url("/requests"));
        await page.Locator("#filter-status").Locator("xpath=ancestor::div[contains(@class,'mud-select')][1]").ClickAsync();
        var items = page.Locator(".mud-popover-open .mud-list-item");
        await Assertions.Expect(items).ToHaveCountAsync(statuses.Count); // the list opens after the click: wait for it
        var offered = await items.AllInnerTextsAsync();
        Assert.Equal(statuses, offered.Select(o => o.Trim()).ToList());
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "cancelled" }).First.ClickAsync();
        await page.Locator("[data-testid=requests-search]").ClickAsync();
        var table = page.Locator("[data-testid=requests-table]");
        await Assertions.Expect(table.Locator($"tr[data-request-id='{id}']")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_domain_key_sees_its_own_requests_and_not_another_domains()
    {
        var (mine, myKey) = await DomainAsync("ui-mine");
        var (theirs, theirKey) = await DomainAsync("ui-theirs");
        var myRequest = await (await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Mine", mine), myKey)).AcceptedRequestIdAsync();
        var theirRequest = await (await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Theirs", theirs), theirKey)).AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(myRequest, myKey);
        await system.RequestWithSidAsync(theirRequest, theirKey);

        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, myKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Requests" }).ClickAsync();
        var table = page.Locator("[data-testid=requests-table]");
        await Assertions.Expect(table.Locator($"tr[data-request-id='{myRequest}']")).ToBeVisibleAsync();
        await Assertions.Expect(table.Locator($"tr[data-request-id='{theirRequest}']")).ToHaveCountAsync(0);
        await Assertions.Expect(table).Not.ToContainTextAsync(theirs);
        await page.ScreenshotAsync("requests");

        await table.Locator($"tr[data-request-id='{myRequest}'] a").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=status-history]")).ToContainTextAsync("received");
        await page.ScreenshotAsync("request-detail");

        await page.GotoAsync(console.Url($"/requests/{theirRequest}"));
        await Assertions.Expect(page.Locator("[data-testid=request-problem]")).ToContainTextAsync("not known");
        await Assertions.Expect(page.Locator("[data-testid=request-detail]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_revoked_key_ends_the_session_at_its_next_call()
    {
        var (domain, key) = await DomainAsync("ui-revoke");
        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, key);

        var keys = (await system.Admin.GetFromJsonAsync<JsonArray>($"/admin/domains/{domain}/api-keys"))!;
        foreach (var k in keys) await system.Admin.DeleteAsync($"/admin/domains/{domain}/api-keys/{k!["id"]}");
        using var http = system.Ingress.CreateHttpClient(key);
        await Eventually.Get(async () => (int?)(await http.GetAsync("/me")).StatusCode, s => s == 401, "the revoked key to be refused");

        await page.GetByRole(AriaRole.Link, new() { Name = "Requests" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/signin"));
        await Assertions.Expect(page.Locator("[data-testid=signin-notice]")).ToContainTextAsync("session ended");
    }

    [Fact]
    public async Task The_admin_manages_a_domains_keys_and_credits()
    {
        var (domain, _) = await DomainAsync("ui-admin");
        var console = await ConsoleHost.ForAsync(system);
        var page = await browser.NewPageAsync();
        await page.SignInAsync(console, SystemFixture.AdminKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Domains" }).ClickAsync();
        await page.Locator("[data-testid=domain-list]").GetByText(domain, new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=credit-balance]")).ToContainTextAsync("100000");

        await page.Locator("#grant-credits").FillAsync("250");
        await page.Locator("#grant-reason").FillAsync("console test");
        await page.Locator("[data-testid=grant]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=credit-balance]")).ToContainTextAsync("100250");

        await page.ScreenshotAsync("domains");
        await page.Locator("#key-label").FillAsync("from the console");
        await page.Locator("[data-testid=key-create]").ClickAsync();
        var newKey = (await page.Locator("[data-testid=new-api-key-value]").InnerTextAsync()).Trim();
        using var http = system.Ingress.CreateHttpClient(newKey);
        var me = await (await http.GetAsync("/me")).JsonAsync();
        Assert.Equal(domain, me.Str("domain_name"));

        // The twilio_sms_auth_token is a secret: never on the page, whatever the API masks.
        Assert.DoesNotContain("auth_token\":\"", await page.ContentAsync());
    }
}
