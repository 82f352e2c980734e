using System.Net.Http.Json;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Domains;

/// <summary>Every domain uses its own Twilio account, per channel; all four channels end in Twilio with the right addresses.</summary>
[Collection(SystemCollection.Name)]
public sealed class ChannelsTests(SystemFixture system)
{
    [Fact]
    public async Task Four_requests_one_per_channel_use_the_domains_own_accounts_and_addresses()
    {
        var sms = await system.NewAccountAsync();
        var phone = await system.NewAccountAsync();
        var whatsapp = await system.NewAccountAsync();
        var domain = Api.NewDomainName("four");
        var (smsNumber, phoneNumber, whatsappNumber) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = sms.Sid, ["twilio_sms_auth_token"] = sms.Token, ["twilio_sms_number"] = smsNumber,
            ["twilio_phone_account_sid"] = phone.Sid, ["twilio_phone_auth_token"] = phone.Token, ["twilio_phone_number"] = phoneNumber,
            ["twilio_whatsapp_account_sid"] = whatsapp.Sid, ["twilio_whatsapp_auth_token"] = whatsapp.Token, ["twilio_whatsapp_number"] = "whatsapp:" + whatsappNumber,
        });

        var expected = new[]
        {
            (Channel: "sms", Account: sms.Sid, From: smsNumber, Prefix: "", Resource: "Messages"),
            (Channel: "wmsg", Account: whatsapp.Sid, From: "whatsapp:" + whatsappNumber, Prefix: "whatsapp:", Resource: "Messages"),
            (Channel: "phone", Account: phone.Sid, From: phoneNumber, Prefix: "", Resource: "Calls"),
            (Channel: "wvoice", Account: whatsapp.Sid, From: "whatsapp:" + whatsappNumber, Prefix: "whatsapp:", Resource: "Calls"),
        };
        foreach (var (channel, account, from, prefix, resource) in expected)
        {
            var to = SystemFixture.UniqueNumber();
            var id = await (await system.StartAsync(Api.StartBody(to, channel, "appointment_booking", "Help book an appointment", domain, name: "Sam"), key))
                .AcceptedRequestIdAsync();

            var request = await system.RequestWithSidAsync(id, key);
            Assert.NotEqual("failed", request.Str("status"));
            var sent = Assert.Single(await system.Emulator.GetRequestsAsync(to));
            Assert.Equal(resource, sent.Resource);
            Assert.Equal(account, sent.AccountSid);
            Assert.Equal(prefix + to, sent.Form["To"]);
            Assert.Equal(from, sent.Form["From"]);
            Assert.Equal(sent.CreatedSid, request.Str("twilio_sid"));
            Assert.Equal(channel, request.Str("channel"));
            if (resource == "Calls")
            {
                Assert.Equal($"{system.Settings["Ingress:PublicBaseUrl"]}/voice/twiml/{id}?channel={channel}&domain={domain}", sent.Form["Url"]);
                Assert.StartsWith(system.Settings["Ingress:PublicBaseUrl"]!, sent.Form["StatusCallback"]);
            }
        }
    }

    [Fact]
    public async Task A_call_speaks_an_opening_built_from_type_instruction_and_name()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("opening");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token, ["twilio_phone_number"] = SystemFixture.UniqueNumber(),
        });
        var to = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(new { phone_number = to, channel = "phone", type = "appointment_booking", instruction = "Book a cleaning", name = "Ana" }, key))
            .AcceptedRequestIdAsync();
        var sid = (await system.RequestWithSidAsync(id, key)).Str("twilio_sid");

        var call = await Eventually.Get(() => system.Emulator.GetCallAsync(sid), c => c.Says.Count > 0, "the emulator to fetch the call's TwiML");
        Assert.Contains(call.Says, said => said.Contains("Ana") && said.Contains("Book a cleaning"));
    }

    [Fact]
    public async Task A_domain_with_only_shared_credentials_uses_them_on_every_channel()
    {
        var shared = await system.NewAccountAsync();
        var domain = Api.NewDomainName("shared");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = shared.Sid, ["twilio_auth_token"] = shared.Token,
            ["twilio_sms_number"] = SystemFixture.UniqueNumber(), ["twilio_phone_number"] = SystemFixture.UniqueNumber(), ["twilio_whatsapp_number"] = SystemFixture.UniqueNumber(),
        });
        foreach (var channel in new[] { "sms", "wmsg", "phone", "wvoice" })
        {
            var to = SystemFixture.UniqueNumber();
            var id = await (await system.StartAsync(Api.StartBody(to, channel, "informational", "Shared", domain), key)).AcceptedRequestIdAsync();
            await system.RequestWithSidAsync(id, key);
            Assert.Equal(shared.Sid, Assert.Single(await system.Emulator.GetRequestsAsync(to)).AccountSid);
        }
    }

    [Fact]
    public async Task A_domain_without_whatsapp_settings_fails_clearly_and_sends_nothing()
    {
        var domain = Api.NewDomainName("bare");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>());
        var to = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(new { phone_number = to, channel = "wmsg", type = "informational", instruction = "Nothing to send with", domain_name = domain }, key))
            .AcceptedRequestIdAsync();

        var request = await system.RequestFailedAsync(id);
        Assert.Contains(domain, request.Str("error_message"));
        Assert.Contains("wmsg", request.Str("error_message"));
        Assert.Contains("twilio_whatsapp", request.Str("error_message"));
        Assert.Empty(await system.Emulator.GetRequestsAsync(to));
    }

    [Fact]
    public async Task A_changed_domain_is_used_at_once_by_every_process()
    {
        var first = await system.NewAccountAsync();
        var second = await system.NewAccountAsync();
        var domain = Api.NewDomainName("changed");
        var key = await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_sms_account_sid"] = first.Sid, ["twilio_sms_auth_token"] = first.Token, ["twilio_sms_number"] = SystemFixture.UniqueNumber(),
        });
        async Task<string> SendAsync()
        {
            var to = SystemFixture.UniqueNumber();
            var id = await (await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "Which account?" }, key))
                .AcceptedRequestIdAsync();
            await system.RequestWithSidAsync(id, key);
            return Assert.Single(await system.Emulator.GetRequestsAsync(to)).AccountSid!;
        }

        Assert.Equal(first.Sid, await SendAsync());
        var changed = await system.Admin.PutAsJsonAsync($"/admin/domains/{domain}", new
        {
            technical_json = new Dictionary<string, string> { ["twilio_sms_account_sid"] = second.Sid, ["twilio_sms_auth_token"] = second.Token },
        });
        Assert.True(changed.IsSuccessStatusCode);
        // The cache would keep the first account for 30 s; DomainChanged drops it in the dispatcher and the worker at once.
        await Eventually.Get(async () => await SendAsync(), sid => sid == second.Sid, "the second account to be used", TimeSpan.FromSeconds(20));
    }
}
