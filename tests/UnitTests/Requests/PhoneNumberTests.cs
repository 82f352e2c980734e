using Aventora.Ingress.Api.Requests;

namespace Aventora.UnitTests.Requests;

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("+14155552671", "+14155552671")]
    [InlineData("+1 (415) 555-2671", "+14155552671")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("whatsapp:+14155552671", "+14155552671")]
    [InlineData("  +33 1 42 68 53 00 ", "+33142685300")]
    public void Normalises_valid_numbers_to_E164_without_prefix(string input, string expected)
    {
        Assert.True(PhoneNumber.TryParse(input, out var number, out _));
        Assert.Equal(expected, number!.E164);
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("4155552671", "international E.164")]
    [InlineData("+1234", "not a valid phone number")]
    [InlineData("+0987654321", "not")]
    [InlineData("+1415abc", "not")]
    public void Refuses_what_is_not_a_reachable_number(string input, string reason)
    {
        Assert.False(PhoneNumber.TryParse(input, out var number, out var error));
        Assert.Null(number);
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("+1415555CALL", "+14155552255")]
    [InlineData("+1 415 555 CALL", "+14155552255")]
    public void Letters_are_refused_and_the_number_as_understood_is_shown(string input, string understood)
    {
        Assert.False(PhoneNumber.TryParse(input, out var number, out var error));
        Assert.Null(number);
        Assert.Contains("letters", error);
        Assert.Contains(understood, error);
    }

    [Theory]
    [InlineData("+1 415 555 2671 ext. 12")]
    [InlineData("+14155552671 x12")]
    [InlineData("+14155552671;ext=12")]
    public void An_extension_is_refused_not_dropped(string input)
    {
        Assert.False(PhoneNumber.TryParse(input, out var number, out var error));
        Assert.Null(number);
        Assert.Contains("extension (12)", error);
        Assert.Contains("+14155552671", error);
    }
}
