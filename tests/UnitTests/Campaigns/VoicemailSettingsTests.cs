using Aventora.Domains.Campaigns;
using Aventora.Domains.Metadata;

namespace Aventora.UnitTests.Campaigns;

/// <summary>A domain's voicemail settings as technical_json gives them, and the voicemail a machine gets.</summary>
public sealed class VoicemailSettingsTests
{
    private static CampaignSettings Settings(params (string Key, string Value)[] keys) => CampaignSettings.From(new DomainMetadata
    {
        DomainName = "acme", TechnicalJson = keys.ToDictionary(k => k.Key, k => (string?)k.Value),
    });

    [Theory]
    [InlineData("voicemail_mode", "Message", null)]
    [InlineData("voicemail_mode", "hangup", null)]
    [InlineData("voicemail_mode", "beep", "technical_json.voicemail_mode must be one of off, message, hangup.")]
    [InlineData("voicemail_message", "Please call us back.", null)]
    [InlineData("voicemail_message", "   ", "technical_json.voicemail_message must be the text to leave on a machine, 1 to 1000 characters.")]
    public void Voicemail_keys_are_checked_with_a_reason_naming_the_key(string key, string value, string? error) =>
        Assert.Equal(error, CampaignSettings.Check(key, value));

    [Fact]
    public void A_message_longer_than_1000_characters_is_refused() =>
        Assert.NotNull(CampaignSettings.Check("voicemail_message", new string('a', 1001)));

    [Fact]
    public void The_mode_defaults_to_off_and_reads_case_insensitively()
    {
        Assert.Equal(VoicemailModes.Off, Settings().VoicemailMode);
        Assert.Equal(VoicemailModes.Message, Settings(("voicemail_mode", "MESSAGE")).VoicemailMode);
    }

    [Fact]
    public void The_voicemail_is_the_domains_message_or_a_call_back_request_naming_the_domain()
    {
        Assert.Equal("Call Acme & ask for Jo", Settings(("voicemail_message", " Call Acme & ask for Jo ")).VoicemailFor("acme"));
        Assert.Contains("acme", Settings().VoicemailFor("acme"));
    }
}
