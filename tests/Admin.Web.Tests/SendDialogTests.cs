using Aventora.Admin.Web.Api;
using Aventora.Admin.Web.Components.Send;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Aventora.Admin.Web.Tests;

/// <summary>The single call dialog: what it checks as you type and on Send, the WhatsApp Message fields, and the API's refusals shown in place.</summary>
public sealed class SendDialogTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();
    private readonly List<SendForm> _sent = [];

    public SendDialogTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    private IRenderedComponent<SendDialog> Render(SendForm? form = null, bool isAdmin = false, ApiProblem? problem = null) =>
        _ctx.Render<SendDialog>(p => p
            .Add(d => d.Form, form ?? new SendForm())
            .Add(d => d.IsAdmin, isAdmin)
            .Add(d => d.OwnDomain, "clinic")
            .Add(d => d.Domains, ["clinic", "shop"])
            .Add(d => d.Problem, problem)
            .Add(d => d.OnSend, (SendForm f) => _sent.Add(f)));

    private static SendForm Valid(string channel = "sms") => new()
    {
        PhoneNumber = "+14155550123", Channel = channel, Type = "reminder", Instruction = "Your appointment is tomorrow at 10:00", DomainName = "clinic",
    };

    [Fact]
    public void A_number_that_is_not_E164_is_flagged_as_it_is_typed_and_the_flag_goes_when_it_is_fixed()
    {
        var cut = Render();
        cut.Find("#phone-number").Input("0415 555 0123");
        Assert.Contains("Not E.164", cut.Markup);
        cut.Find("#phone-number").Input("+14155550123");
        Assert.DoesNotContain("Not E.164", cut.Markup);
    }

    [Fact]
    public void Send_with_missing_fields_sends_nothing_and_names_each_missing_field()
    {
        var cut = Render(new SendForm { Type = "" });
        cut.Find("form").Submit();
        Assert.Empty(_sent);
        Assert.Contains("Enter the phone number in E.164", cut.Markup);
        Assert.Contains("Enter a type", cut.Markup);
        Assert.Contains("Enter what the message or call should say", cut.Markup);
    }

    [Fact]
    public void A_valid_sms_is_sent_without_template_fields()
    {
        var form = Valid();
        form.ContentSid = "HX" + new string('a', 32); // left over from choosing wmsg first: must not go out with sms
        var cut = Render(form);
        cut.Find("form").Submit();
        var sent = Assert.Single(_sent);
        var body = sent.ToBody();
        Assert.Equal("sms", body["channel"]);
        Assert.Equal("+14155550123", body["phone_number"]);
        Assert.Null(body["content_sid"]);
    }

    [Fact]
    public void The_four_channels_are_radio_options_with_their_names()
    {
        var cut = Render();
        var radios = cut.FindAll("input[type=radio]");
        Assert.Equal(4, radios.Count);
        foreach (var label in new[] { "Phone", "SMS", "WhatsApp Message", "WhatsApp Voice" }) Assert.Contains(label, cut.Markup);
    }

    [Fact]
    public void Template_fields_and_the_24_hour_rule_show_for_WhatsApp_Message_only()
    {
        var sms = Render(Valid("sms"));
        Assert.Empty(sms.FindAll("#content-sid"));
        Assert.Empty(sms.FindAll("[data-testid=whatsapp-24h-rule]"));

        var wmsg = Render(Valid("wmsg"));
        Assert.Single(wmsg.FindAll("#content-sid"));
        Assert.Single(wmsg.FindAll("#content-variables"));
        Assert.Contains("24 hours", wmsg.Find("[data-testid=whatsapp-24h-rule]").TextContent);

        var wvoice = Render(Valid("wvoice"));
        Assert.Empty(wvoice.FindAll("#content-sid"));
    }

    [Fact]
    public void Choosing_WhatsApp_Message_by_its_radio_brings_the_template_fields()
    {
        var form = Valid("sms");
        var cut = Render(form);
        var radios = cut.FindAll("input[type=radio]");
        radios[2].Click(); // Phone, SMS, WhatsApp Message, WhatsApp Voice
        cut.WaitForAssertion(() => Assert.Equal("wmsg", form.Channel));
        Assert.Single(cut.FindAll("#content-sid"));
    }

    [Fact]
    public void Bad_template_fields_are_refused_before_sending()
    {
        var form = Valid("wmsg");
        form.ContentSid = "not-a-sid";
        form.ContentVariables = "{\"1\":";
        var cut = Render(form);
        cut.Find("form").Submit();
        Assert.Empty(_sent);
        Assert.Contains("HX followed by 32 hex digits", cut.Markup);
        Assert.Contains("not valid JSON", cut.Markup);
    }

    [Fact]
    public void A_WhatsApp_Message_with_a_template_goes_out_with_both_template_fields()
    {
        var form = Valid("wmsg");
        form.ContentSid = "HXb5b62575e6e4ff6129ad7c8efe1f983e";
        form.ContentVariables = "{\"1\":\"Jane\"}";
        var cut = Render(form);
        cut.Find("form").Submit();
        var body = Assert.Single(_sent).ToBody();
        Assert.Equal("HXb5b62575e6e4ff6129ad7c8efe1f983e", body["content_sid"]);
        Assert.Equal("{\"1\":\"Jane\"}", body["content_variables"]);
    }

    [Fact]
    public void An_admin_must_choose_a_domain_for_WhatsApp_but_not_for_sms()
    {
        var wvoice = Valid("wvoice");
        wvoice.DomainName = null;
        var cut = Render(wvoice, isAdmin: true);
        cut.Find("form").Submit();
        Assert.Empty(_sent);
        Assert.Contains("Choose a domain", cut.Markup);

        var sms = Valid("sms");
        sms.DomainName = null;
        Render(sms, isAdmin: true).Find("form").Submit();
        Assert.Single(_sent);
    }

    [Fact]
    public void A_domain_key_sees_its_own_domain_and_cannot_change_it()
    {
        var cut = Render();
        var domain = cut.Find("#domain-name");
        Assert.Equal("clinic", domain.GetAttribute("value"));
        Assert.True(domain.HasAttribute("readonly"));
    }

    [Fact]
    public void What_the_API_refused_shows_beside_the_field_it_names_and_other_fields_in_the_alert()
    {
        var problem = new ApiProblem(400, "The request has invalid fields.", new Dictionary<string, string[]>
        {
            ["phone_number"] = ["phone_number is not a valid number for its country."],
            ["email"] = ["email is not an email address."],
        });
        var cut = Render(Valid(), problem: problem);
        var phoneField = cut.Find("#phone-number").Closest(".mud-input-control")!;
        Assert.Contains("phone_number is not a valid number for its country.", phoneField.TextContent);
        var alert = cut.Find("[data-testid=send-problem]");
        Assert.Contains("The request has invalid fields.", alert.TextContent);
        Assert.Contains("email: email is not an email address.", alert.TextContent);
        Assert.DoesNotContain("phone_number is not a valid number", alert.TextContent);
    }
}
