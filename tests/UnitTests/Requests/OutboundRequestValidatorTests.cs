using Aventora.Ingress.Api.Requests;

namespace Aventora.UnitTests.Requests;

public sealed class OutboundRequestValidatorTests
{
    private static readonly StartRequest Good = new()
    {
        PhoneNumber = "+14155552671", Channel = "sms", Type = "informational", Instruction = "Send appointment reminder", DomainName = "yourdomain",
    };

    [Fact]
    public void A_good_request_is_valid_and_normalised()
    {
        Assert.True(OutboundRequestValidator.TryValidate(Good with { Channel = " WMSG ", DomainName = "YourDomain" }, out var valid, out var errors));
        Assert.Empty(errors);
        Assert.Equal("wmsg", valid!.Channel);
        Assert.Equal("yourdomain", valid.DomainName);
    }

    [Fact]
    public void An_unknown_channel_names_the_four_valid_ones()
    {
        Assert.False(OutboundRequestValidator.TryValidate(Good with { Channel = "fax" }, out _, out var errors));
        var message = Assert.Single(errors["channel"]);
        foreach (var channel in new[] { "phone", "sms", "wmsg", "wvoice" }) Assert.Contains(channel, message);
    }

    [Fact]
    public void Every_bad_field_is_named_at_once()
    {
        var bad = new StartRequest { PhoneNumber = "12", Channel = null, Type = "bad type!", Instruction = " ", Email = "not-an-email", Name = new string('x', 201) };
        Assert.False(OutboundRequestValidator.TryValidate(bad, out _, out var errors));
        Assert.Equal(["channel", "email", "instruction", "name", "phone_number", "type"], errors.Keys.Order().ToArray());
    }

    [Theory]
    [InlineData("wmsg")]
    [InlineData("wvoice")]
    public void WhatsApp_channels_need_a_domain(string channel)
    {
        Assert.False(OutboundRequestValidator.TryValidate(Good with { Channel = channel, DomainName = null }, out _, out var errors));
        Assert.Contains("domain_name", errors.Keys);
    }

    [Theory]
    [InlineData("sms")]
    [InlineData("phone")]
    public void Sms_and_phone_may_go_without_a_domain(string channel) =>
        Assert.True(OutboundRequestValidator.TryValidate(Good with { Channel = channel, DomainName = null }, out _, out _));

    [Fact]
    public void Instruction_length_is_bounded() =>
        Assert.Contains("instruction", Invalid(Good with { Instruction = new string('a', OutboundRequestValidator.MaxInstructionLength + 1) }));

    [Fact]
    public void Template_fields_are_checked()
    {
        var whatsApp = Good with { Channel = "wmsg" };
        Assert.Contains("content_sid", Invalid(whatsApp with { ContentSid = "HXnope" }));
        Assert.Contains("content_variables", Invalid(whatsApp with { ContentSid = "HX" + new string('a', 32), ContentVariables = "[1]" }));
        Assert.True(OutboundRequestValidator.TryValidate(whatsApp with { ContentSid = "HX" + new string('a', 32), ContentVariables = "{\"1\":\"Jane\"}" }, out _, out _));
    }

    [Theory]
    [InlineData("sms")]
    [InlineData("phone")]
    [InlineData("wvoice")]
    public void Template_fields_are_refused_outside_WhatsApp_messages(string channel)
    {
        var errors = Errors(Good with { Channel = channel, ContentSid = "HX" + new string('a', 32), ContentVariables = "{\"1\":\"Jane\"}" });
        Assert.Contains("only for channel 'wmsg'", errors["content_sid"].Single());
        Assert.Contains("only for channel 'wmsg'", errors["content_variables"].Single());
    }

    [Fact]
    public void Content_variables_are_bounded_at_10_KB()
    {
        var huge = "{\"1\":\"" + new string('a', 500 * 1024) + "\"}";
        var errors = Errors(Good with { Channel = "wmsg", ContentSid = "HX" + new string('a', 32), ContentVariables = huge });
        Assert.Contains("longer than 10240", errors["content_variables"].Single());
    }

    [Theory]
    [InlineData("instruction", "Call\u0001 Jane")]
    [InlineData("name", "Ja\nne")]
    [InlineData("name", "Jane\u0000")]
    [InlineData("type", "info\u007F")]
    [InlineData("email", "jane@example.com\u001B")]
    [InlineData("instruction", "Call \uFFFE Jane")]
    public void Control_characters_are_refused_naming_the_field(string field, string text)
    {
        var request = field switch
        {
            "instruction" => Good with { Instruction = text },
            "name" => Good with { Name = text },
            "type" => Good with { Type = text },
            _ => Good with { Email = text },
        };
        Assert.Contains(Errors(request)[field], m => m.Contains("control character"));
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused() =>
        Assert.Contains(Errors(Good with { Instruction = "Call " + (char)0xD800 + " Jane" })["instruction"], m => m.Contains("U+D800"));

    [Fact]
    public void An_instruction_may_hold_tabs_and_line_breaks() =>
        Assert.True(OutboundRequestValidator.TryValidate(Good with { Instruction = "Line one\r\n\tLine two" }, out _, out _));

    private static Dictionary<string, string[]> Errors(StartRequest request)
    {
        Assert.False(OutboundRequestValidator.TryValidate(request, out _, out var errors));
        return errors;
    }

    private static string[] Invalid(StartRequest request)
    {
        Assert.False(OutboundRequestValidator.TryValidate(request, out _, out var errors));
        return errors.Keys.ToArray();
    }
}
