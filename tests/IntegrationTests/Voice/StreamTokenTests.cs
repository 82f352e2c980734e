using Aventora.Voice.Worker.Streams;
using Microsoft.Extensions.Options;

namespace Aventora.IntegrationTests.Voice;

/// <summary>The stream token Twilio carries back in the start message: tied to one request, signed, and short-lived.</summary>
public sealed class StreamTokenTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 1, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Clock _clock = new();

    private StreamToken Tokens(string secret = "a-signing-secret-of-at-least-32-characters") =>
        new(Options.Create(new VoiceStreamOptions { SigningSecret = secret, TokenLifetime = TimeSpan.FromMinutes(2) }), _clock);

    [Fact]
    public void A_token_is_good_for_its_request_until_it_expires()
    {
        var request = Guid.NewGuid();
        var token = Tokens().Issue(request);
        Assert.True(Tokens().IsValid(request, token));
        Assert.False(Tokens().IsValid(Guid.NewGuid(), token));
        Assert.False(Tokens("another-signing-secret-of-32-characters-at-least").IsValid(request, token));
        Assert.False(Tokens().IsValid(request, token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.False(Tokens().IsValid(request, null));

        _clock.Now += TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1);
        Assert.False(Tokens().IsValid(request, token));
    }

    [Fact]
    public void A_token_whose_expiry_was_pushed_forward_is_refused()
    {
        var request = Guid.NewGuid();
        var token = Tokens().Issue(request);
        var dot = token.IndexOf('.');
        var later = (long.Parse(token[..dot]) + 3600).ToString();
        Assert.False(Tokens().IsValid(request, later + token[dot..]));
    }
}
