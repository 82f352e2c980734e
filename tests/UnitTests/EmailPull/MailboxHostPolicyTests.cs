using System.Net;
using Aventora.Ingress.Api.EmailPull;
using Microsoft.Extensions.Options;

namespace Aventora.UnitTests.EmailPull;

public sealed class MailboxHostPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.0.0.5")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Loopback_private_link_local_and_reserved_addresses_are_not_public(string address) =>
        Assert.False(MailboxHostPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700:4700::1111")]
    public void Internet_addresses_are_public(string address) =>
        Assert.True(MailboxHostPolicy.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public async Task Allow_lists_open_only_the_hosts_they_name()
    {
        var policy = new MailboxHostPolicy(new Monitor(new EmailPullOptions { AllowPlainImapHosts = ["IMAP.internal"], AllowedPrivateHosts = ["10.1.1.1"] }));
        Assert.Null(policy.RefuseTlsMode("imap.internal", "none"));
        Assert.Equal(MailboxHostPolicy.PlainImapRefused, policy.RefuseTlsMode("imap.example.com", "none"));
        Assert.Null(policy.RefuseTlsMode("imap.example.com", "starttls"));
        Assert.Null((await policy.ResolveAsync("10.1.1.1", default)).Refusal);
        Assert.Equal(MailboxHostPolicy.PrivateHostRefused, (await policy.ResolveAsync("10.1.1.2", default)).Refusal);
    }

    [Theory]
    [InlineData("jane@example.com", true)]
    [InlineData("JANE@Example.com", true)]
    [InlineData("bob@crm.example.com", true)]
    [InlineData("bob@evil.example.com", false)]
    [InlineData("bob@xcrm.example.com", false)]
    [InlineData(null, false)]
    public void Allowed_senders_match_addresses_and_mail_domains(string? sender, bool allowed) =>
        Assert.Equal(allowed, AllowedSenders.Allows(["jane@example.com", "@crm.example.com"], sender));

    [Fact]
    public void An_empty_sender_list_allows_anyone() => Assert.True(AllowedSenders.Allows([], "anyone@anywhere.example"));

    private sealed class Monitor(EmailPullOptions value) : IOptionsMonitor<EmailPullOptions>
    {
        public EmailPullOptions CurrentValue => value;
        public EmailPullOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<EmailPullOptions, string?> listener) => null;
    }
}
