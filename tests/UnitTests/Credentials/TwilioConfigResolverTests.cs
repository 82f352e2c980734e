using Aventora.Domains.Credentials;
using Aventora.Domains.Metadata;
using Microsoft.Extensions.Configuration;

namespace Aventora.UnitTests.Credentials;

/// <summary>get_twilio_config's fallbacks, every level present or absent, per channel.</summary>
public sealed class TwilioConfigResolverTests
{
    private const string OwnSid = "ACown", OwnToken = "own-token", SharedSid = "ACshared", SharedToken = "shared-token";
    private const string EnvSid = "ACenv", EnvToken = "env-token";

    public static TheoryData<string, bool, bool, bool> Matrix()
    {
        var data = new TheoryData<string, bool, bool, bool>();
        foreach (var channel in new[] { "sms", "phone", "wmsg", "wvoice" })
        foreach (var own in new[] { true, false })
        foreach (var shared in new[] { true, false })
        foreach (var env in new[] { true, false })
            data.Add(channel, own, shared, env);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Takes_the_first_whole_pair_in_order(string channel, bool own, bool shared, bool env)
    {
        var prefix = TwilioConfigResolver.KeyPrefix(channel);
        var technical = new Dictionary<string, string?> { [$"{prefix}_number"] = "+14155550001" };
        if (own) { technical[$"{prefix}_account_sid"] = OwnSid; technical[$"{prefix}_auth_token"] = OwnToken; }
        if (shared) { technical["twilio_account_sid"] = SharedSid; technical["twilio_auth_token"] = SharedToken; }

        var result = TwilioConfigResolver.GetTwilioConfig(Domain(technical), channel, Environment(env));

        var expected = own ? (OwnSid, OwnToken) : shared ? (SharedSid, SharedToken) : env ? (EnvSid, EnvToken) : default((string, string)?);
        if (expected is null)
        {
            Assert.Null(result.Config);
            Assert.Equal(TwilioConfigResolver.MissingCredentials, result.FailureCode);
            Assert.Contains("acme", result.FailureReason);
            Assert.Contains(channel, result.FailureReason);
            return;
        }
        Assert.Equal(expected.Value.Item1, result.Config!.AccountSid);
        Assert.Equal(expected.Value.Item2, result.Config.AuthToken);
        Assert.Equal("+14155550001", result.Config.FromNumber);
    }

    [Theory]
    [InlineData("sms")]
    [InlineData("wvoice")]
    public void A_half_pair_is_never_mixed_with_another_level(string channel)
    {
        var prefix = TwilioConfigResolver.KeyPrefix(channel);
        var technical = new Dictionary<string, string?>
        {
            [$"{prefix}_account_sid"] = OwnSid, // no token at this level
            ["twilio_auth_token"] = SharedToken, // no sid at this level
            [$"{prefix}_number"] = "+14155550001",
        };
        var result = TwilioConfigResolver.GetTwilioConfig(Domain(technical), channel, Environment(true));
        Assert.Equal((EnvSid, EnvToken), (result.Config!.AccountSid, result.Config.AuthToken));
    }

    [Theory]
    [InlineData("sms", "TWILIO_SMS_NUMBER")]
    [InlineData("phone", "TWILIO_PHONE_NUMBER")]
    [InlineData("wmsg", "TWILIO_WHATSAPP_NUMBER")]
    [InlineData("wvoice", "TWILIO_WHATSAPP_NUMBER")]
    public void The_sender_falls_back_to_its_environment_variable(string channel, string variable)
    {
        var environment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TWILIO_ACCOUNT_SID"] = EnvSid, ["TWILIO_AUTH_TOKEN"] = EnvToken, [variable] = "whatsapp:+14155550009",
        }).Build();
        var result = TwilioConfigResolver.GetTwilioConfig(Domain(new()), channel, environment);
        Assert.Equal("+14155550009", result.Config!.FromNumber);
    }

    [Fact]
    public void The_operator_can_keep_the_environments_sender_for_requests_without_a_domain()
    {
        var environment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TWILIO_ACCOUNT_SID"] = EnvSid, ["TWILIO_AUTH_TOKEN"] = EnvToken, ["TWILIO_SMS_NUMBER"] = "+14155550009",
        }).Build();

        var domain = TwilioConfigResolver.GetTwilioConfig(Domain(new()), "sms", environment, fallbackSenderForDomains: false);
        Assert.Null(domain.Config);
        Assert.Equal(TwilioConfigResolver.MissingSender, domain.FailureCode);
        Assert.Contains("twilio_sms_number", domain.FailureReason);
        Assert.Contains(TwilioConfigResolver.FallbackSenderForDomainsKey, domain.FailureReason);

        var ownNumber = TwilioConfigResolver.GetTwilioConfig(Domain(new() { ["twilio_sms_number"] = "+14155550001" }), "sms", environment, fallbackSenderForDomains: false);
        Assert.Equal(("+14155550001", EnvSid), (ownNumber.Config!.FromNumber, ownNumber.Config.AccountSid)); // the environment's account still serves

        var domainless = TwilioConfigResolver.GetTwilioConfig(null, "sms", environment, fallbackSenderForDomains: false);
        Assert.Equal("+14155550009", domainless.Config!.FromNumber);
    }

    [Fact]
    public void WhatsApp_channels_use_the_whatsapp_keys_and_numbers_lose_their_prefix()
    {
        var technical = new Dictionary<string, string?>
        {
            ["twilio_whatsapp_account_sid"] = OwnSid, ["twilio_whatsapp_auth_token"] = OwnToken, ["twilio_whatsapp_number"] = "whatsapp:+14155550002",
            ["twilio_sms_account_sid"] = "ACsms", ["twilio_sms_auth_token"] = "sms-token", ["twilio_sms_number"] = "+14155550003",
        };
        foreach (var channel in new[] { "wmsg", "wvoice" })
        {
            var config = TwilioConfigResolver.GetTwilioConfig(Domain(technical), channel, Environment(false)).Config!;
            Assert.Equal((OwnSid, "+14155550002"), (config.AccountSid, config.FromNumber));
            Assert.Equal("whatsapp:+14155550002", TwilioAddress.For(channel, config.FromNumber));
        }
        Assert.Equal("+14155550003", TwilioAddress.For("sms", "+14155550003"));
    }

    [Fact]
    public void No_sender_number_is_a_clear_failure()
    {
        var result = TwilioConfigResolver.GetTwilioConfig(Domain(new() { ["twilio_account_sid"] = SharedSid, ["twilio_auth_token"] = SharedToken }), "phone", Environment(false));
        Assert.Equal(TwilioConfigResolver.MissingSender, result.FailureCode);
        Assert.Contains("twilio_phone_number", result.FailureReason);
    }

    [Fact]
    public void The_auth_token_never_shows_in_the_config_as_text()
    {
        var config = new TwilioConfig(OwnSid, "super-secret-token", "+14155550001", "domain:twilio_sms");
        Assert.DoesNotContain("super-secret-token", config.ToString());
    }

    private static DomainMetadata Domain(Dictionary<string, string?> technical) => new() { DomainName = "acme", TechnicalJson = technical };

    private static IConfiguration Environment(bool present) => new ConfigurationBuilder()
        .AddInMemoryCollection(present ? new Dictionary<string, string?> { ["TWILIO_ACCOUNT_SID"] = EnvSid, ["TWILIO_AUTH_TOKEN"] = EnvToken } : [])
        .Build();
}
