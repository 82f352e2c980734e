using System.ComponentModel.DataAnnotations;
using Aventora.Voice.Worker.Streams;

namespace Aventora.IntegrationTests.Voice;

/// <summary>The pace a stream's audio is held to, and the stream limits' settings as startup checks them.</summary>
public sealed class AudioPaceTests
{
    private const int Frame = 160; // 20 ms of 8 kHz µ-law, what Twilio sends every 20 ms

    [Fact]
    public void Real_time_audio_is_always_accepted_and_what_runs_ahead_of_it_beyond_the_burst_is_dropped()
    {
        var clock = new StandingClock(DateTimeOffset.UtcNow);
        var pace = new AudioPace(TimeSpan.FromSeconds(1), 1.0, clock);

        // A minute of Twilio: one frame every 20 ms.
        for (var i = 0; i < 3000; i++)
        {
            Assert.Equal(AudioPace.Verdict.Accepted, pace.Take(Frame));
            clock.Advance(TimeSpan.FromMilliseconds(20));
        }

        // A backlog at once (a network hiccup): up to the burst goes through, the rest is dropped.
        for (var i = 0; i < 50; i++) Assert.Equal(AudioPace.Verdict.Accepted, pace.Take(Frame));
        Assert.Equal(AudioPace.Verdict.Dropped, pace.Take(Frame));
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(AudioPace.Verdict.Accepted, pace.Take(Frame)); // real time refills it

        // Keeping on flooding: once as much as the burst was dropped, the stream is over its allowance.
        var verdicts = Enumerable.Range(0, 49).Select(_ => pace.Take(Frame)).ToList();
        Assert.All(verdicts.SkipLast(1), v => Assert.Equal(AudioPace.Verdict.Dropped, v));
        Assert.Equal(AudioPace.Verdict.Exceeded, verdicts[^1]);
    }

    [Theory]
    [InlineData(nameof(VoiceStreamOptions.MaxStreamsPerDomain), 0, "VoiceStream:MaxStreamsPerDomain")]
    [InlineData(nameof(VoiceStreamOptions.MaxMessageBytes), 100, "VoiceStream:MaxMessageBytes")]
    [InlineData(nameof(VoiceStreamOptions.MaxAudioSpeed), 0.5, "VoiceStream:MaxAudioSpeed")]
    [InlineData(nameof(VoiceStreamOptions.AudioBurst), 0.0, "VoiceStream:AudioBurst")]
    [InlineData(nameof(VoiceStreamOptions.MaxBufferedAudio), 3600.0, "VoiceStream:MaxBufferedAudio")]
    public void A_stream_limit_out_of_range_is_refused_naming_the_setting(string property, double value, string named)
    {
        var options = new VoiceStreamOptions();
        var target = typeof(VoiceStreamOptions).GetProperty(property)!;
        target.SetValue(options, target.PropertyType == typeof(TimeSpan) ? TimeSpan.FromSeconds(value)
            : target.PropertyType == typeof(int) ? (object)(int)value : value);
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.ErrorMessage!.StartsWith(named, StringComparison.Ordinal));
        var defaults = new VoiceStreamOptions();
        Assert.True(Validator.TryValidateObject(defaults, new ValidationContext(defaults), [], validateAllProperties: true));
    }
}
