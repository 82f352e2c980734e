using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.People;

/// <summary>
/// How the emulated people behave, keyed by their bare number (with or without whatsapp:):
/// what they say on calls, whether they pick up, whether messages reach them.
/// </summary>
internal sealed class PeopleScripts
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<string>> _speech = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<StreamStep>> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Scripted<CallOutcome>> _callOutcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Scripted<DeliveryOutcome>> _deliveryOutcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Scripted<AnsweringScript>> _answering = new(StringComparer.Ordinal);
    // WhatsApp voice: whether the person has granted the business permission to call them. Unscripted numbers have granted it,
    // so that tests of other things need no script; a test of the permission scripts a refusal.
    private readonly Dictionary<string, bool> _whatsAppCallPermissions = new(StringComparer.Ordinal);

    private sealed class Scripted<T>(T value, int? times)
    {
        public T Value { get; } = value;
        public int? Remaining { get; set; } = times;
    }

    /// <summary>Replaces what the person will say; utterances are used up one per speech Gather.</summary>
    public void SetSpeech(SpeechScript script)
    {
        lock (_gate) _speech[PhoneNumber.Bare(script.Number)] = new Queue<string>(script.Utterances);
    }

    public string? NextUtterance(string number)
    {
        lock (_gate)
            return _speech.TryGetValue(PhoneNumber.Bare(number), out var queue) && queue.TryDequeue(out var said) ? said : null;
    }

    /// <summary>Replaces what the person does on their next Media Stream call.</summary>
    public void SetStream(StreamScript script)
    {
        lock (_gate) _streams[PhoneNumber.Bare(script.Number)] = script.Steps.ToList();
    }

    /// <summary>The person's stream steps, used up by the call that takes them (none: the person listens and hangs up).</summary>
    public IReadOnlyList<StreamStep> TakeStream(string number)
    {
        lock (_gate) return _streams.Remove(PhoneNumber.Bare(number), out var steps) ? steps : [];
    }

    public void SetCallOutcome(CallOutcome outcome)
    {
        lock (_gate) _callOutcomes[PhoneNumber.Bare(outcome.Number)] = new(outcome, outcome.Times);
    }

    public CallOutcome? TakeCallOutcome(string number)
    {
        lock (_gate) return Take(_callOutcomes, number);
    }

    public void SetAnswering(AnsweringScript script)
    {
        lock (_gate) _answering[PhoneNumber.Bare(script.Number)] = new(script, script.Times);
    }

    /// <summary>Who picks up the person's next call: what detection will report (a human when unscripted).</summary>
    public string TakeAnsweredBy(string number)
    {
        lock (_gate) return Take(_answering, number)?.AnsweredBy ?? "human";
    }

    public void SetDeliveryOutcome(DeliveryOutcome outcome)
    {
        lock (_gate) _deliveryOutcomes[PhoneNumber.Bare(outcome.Number)] = new(outcome, outcome.Times);
    }

    public DeliveryOutcome? TakeDeliveryOutcome(string number)
    {
        lock (_gate) return Take(_deliveryOutcomes, number);
    }

    public void SetWhatsAppCallPermission(WhatsAppCallPermission permission)
    {
        lock (_gate) _whatsAppCallPermissions[PhoneNumber.Bare(permission.Number)] = permission.Granted;
    }

    public bool HasGrantedWhatsAppCalls(string number)
    {
        lock (_gate) return !_whatsAppCallPermissions.TryGetValue(PhoneNumber.Bare(number), out var granted) || granted;
    }

    public void Clear()
    {
        lock (_gate)
        {
            _whatsAppCallPermissions.Clear();
            _speech.Clear();
            _streams.Clear();
            _callOutcomes.Clear();
            _deliveryOutcomes.Clear();
            _answering.Clear();
        }
    }

    private static T? Take<T>(Dictionary<string, Scripted<T>> scripts, string number) where T : class
    {
        var key = PhoneNumber.Bare(number);
        if (!scripts.TryGetValue(key, out var scripted)) return null;
        if (scripted.Remaining is { } left)
        {
            scripted.Remaining = left - 1;
            if (scripted.Remaining <= 0) scripts.Remove(key);
        }
        return scripted.Value;
    }
}
