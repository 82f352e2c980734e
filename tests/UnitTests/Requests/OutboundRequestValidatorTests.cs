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
        Assert.Contains("content_sid", Invalid(Good with { ContentSid = "HXnope" }));
        Assert.Contains("content_variables", Invalid(Good with { ContentSid = "HX" + new string('a', 32), ContentVariables = "[1]" }));
        Assert.True(OutboundRequestValidator.TryValidate(Good with { ContentSid = "HX" + new string('a', 32), ContentVariables = "{\"1\":\"Jane\"}" }, out _, out _));
    }

    private static string[] Invalid(StartRequest request)
    {
        Assert.False(OutboundRequestValidator.TryValidate(request, out _, out var errors));
        return errors.Keys.ToArray();
    }
}
