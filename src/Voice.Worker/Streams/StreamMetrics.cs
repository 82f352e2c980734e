using System.Diagnostics.Metrics;

namespace Aventora.Voice.Worker.Streams;

/// <summary>
/// The Media Streams' instruments on the <c>Aventora.Voice</c> meter: open streams, how streams ended, barge-ins, the person's
/// audio dropped by the limits, and the audio latency the person notices (end of their turn to the first audio of the answer).
/// </summary>
public sealed class StreamMetrics : IDisposable
{
    public const string MeterName = "Aventora.Voice";

    private readonly Meter _meter;
    private readonly UpDownCounter<int> _active;
    private readonly Counter<long> _ended;
    private readonly Counter<long> _bargeIns;
    private readonly Counter<double> _audioDropped;
    private readonly Histogram<double> _replyLatency;

    public StreamMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _active = _meter.CreateUpDownCounter<int>("aventora.voice.streams.active", "{stream}", "Media Streams open in this process.");
        _ended = _meter.CreateCounter<long>("aventora.voice.streams.ended", "{stream}",
            "Media Streams by how they ended: completed, hung_up, dropped, refused (no capacity), rejected (bad token or request).");
        _bargeIns = _meter.CreateCounter<long>("aventora.voice.barge_ins", "{barge-in}", "Times the person spoke over the assistant and its audio was cleared.");
        _audioDropped = _meter.CreateCounter<double>("aventora.voice.audio_dropped", "s",
            "The person's audio not passed to the speech pipeline, by reason: pace (sent faster than real time), turn_too_long (beyond VoiceStream:MaxBufferedAudio).");
        _replyLatency = _meter.CreateHistogram<double>("aventora.voice.reply_latency", "ms",
            "From the end of the person's turn to the first audio frame of the assistant's answer sent to Twilio.");
    }

    public void Opened() => _active.Add(1);

    public void Ended(string outcome, bool wasOpen)
    {
        if (wasOpen) _active.Add(-1);
        _ended.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void BargeIn() => _bargeIns.Add(1);

    public void AudioDropped(string reason, TimeSpan audio) => _audioDropped.Add(audio.TotalSeconds, new KeyValuePair<string, object?>("reason", reason));

    public void ReplyLatency(TimeSpan latency) => _replyLatency.Record(latency.TotalMilliseconds);

    public void Dispose() => _meter.Dispose();
}
