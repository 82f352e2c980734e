using Aventora.TwilioEmulator.Wire;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Listing;

namespace Aventora.TwilioEmulator.Calls;

/// <summary>A call's mutable life; snapshots (<see cref="EmulatedCall"/>) are what leave the emulator.</summary>
internal sealed class CallState : IListedResource
{
    private readonly Lock _gate = new();
    private readonly List<string> _history = [];
    private readonly List<ConversationStep> _conversation = [];
    private int _sequence;

    public required string Sid { get; init; }
    public required string AccountSid { get; init; }
    public required string To { get; init; }
    public required string From { get; init; }
    public string? Url { get; init; }
    public string Method { get; init; } = "POST";
    public string? Twiml { get; init; }
    public string? StatusCallback { get; init; }
    public string StatusCallbackMethod { get; init; } = "POST";
    public IReadOnlyList<string> StatusCallbackEvents { get; init; } = [];
    public required DateTimeOffset DateCreated { get; init; }

    /// <summary>Answering machine detection: Enable or DetectMessageEnd (null: none), in the background when AsyncAmd.</summary>
    public string? MachineDetection { get; init; }
    public bool AsyncAmd { get; init; }
    public string? AsyncAmdStatusCallback { get; init; }
    public string AsyncAmdStatusCallbackMethod { get; init; } = "POST";

    /// <summary>What detection found when the call was answered (null without detection).</summary>
    public string? AnsweredBy { get; private set; }

    public void Detected(string answeredBy)
    {
        lock (_gate) AnsweredBy = answeredBy;
    }

    private CallUpdate? _update;
    private TaskCompletionSource _updated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A live-call update (POST .../Calls/{Sid}.json): new TwiML or URL to walk, or a hang-up, taken by the call's walk.</summary>
    public void Update(CallUpdate update)
    {
        TaskCompletionSource updated;
        lock (_gate) (_update, updated) = (update, _updated);
        updated.TrySetResult();
    }

    public CallUpdate? TakeUpdate()
    {
        lock (_gate)
        {
            var update = _update;
            if (update is not null) (_update, _updated) = (null, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return update;
        }
    }

    /// <summary>Waits up to <paramref name="within"/> for the application to update the live call; null when it did not.</summary>
    public async Task<CallUpdate?> WaitForUpdateAsync(TimeSpan within, CancellationToken ct)
    {
        Task updated;
        lock (_gate) updated = _updated.Task;
        try
        {
            await updated.WaitAsync(within, ct);
        }
        catch (TimeoutException)
        {
            // Nothing came: the call goes on as it was.
        }
        return TakeUpdate();
    }

    /// <summary>Set when the create's answer was faulted on purpose (timeout, drop, 500): created all the same.</summary>
    public string? AnswerFault { get; init; }

    public long Sequence { get; set; }

    public string Status { get; private set; } = "";
    public DateTimeOffset DateUpdated { get; private set; }
    public DateTimeOffset? StartTime { get; private set; }
    public DateTimeOffset? EndTime { get; private set; }
    public int? Duration { get; private set; }
    public int? ErrorCode { get; private set; }
    public string? ErrorMessage { get; private set; }

    /// <summary>Status and times read together under the lock, for list filters.</summary>
    public (string Status, DateTimeOffset? StartTime, DateTimeOffset? EndTime) Times()
    {
        lock (_gate) return (Status, StartTime, EndTime);
    }

    public void Move(string status, DateTimeOffset at)
    {
        lock (_gate)
        {
            Status = status;
            DateUpdated = at;
            if (status == "in-progress") StartTime = at;
            _history.Add(status);
        }
    }

    public void End(string status, DateTimeOffset at, int duration, int? errorCode = null, string? errorMessage = null)
    {
        lock (_gate)
        {
            (ErrorCode, ErrorMessage, Duration, EndTime) = (errorCode, errorMessage, duration, at);
            StartTime ??= at;
        }
        Move(status, at);
    }

    /// <summary>The first application error of the call's TwiML (11200 retrieval, 12100 parse, 11100 URL), as Twilio's debugger has it.</summary>
    public (int Code, string Message)? ApplicationError { get; private set; }

    private readonly List<CallNotification> _notifications = [];

    /// <summary>Every application error of the call, as its Notifications list has them (oldest first).</summary>
    public IReadOnlyList<CallNotification> Notifications()
    {
        lock (_gate) return _notifications.ToList();
    }

    public void NoteApplicationError(int code, string message, string? url, DateTimeOffset at)
    {
        lock (_gate)
        {
            ApplicationError ??= (code, message);
            _notifications.Add(new CallNotification(Sids.NewNotification(), code, message, url, at));
        }
    }

    public void Record(string kind, string? text, string? url, DateTimeOffset at)
    {
        lock (_gate) _conversation.Add(new ConversationStep(kind, text, url, at));
    }

    /// <summary>Twilio numbers each status callback of a call from 0.</summary>
    public int NextSequenceNumber() => Interlocked.Increment(ref _sequence) - 1;

    public EmulatedCall Snapshot()
    {
        lock (_gate)
            return new EmulatedCall(Sid, AccountSid, To, From, Status, Url, Method, Twiml, StatusCallback,
                StatusCallbackEvents, Duration, ErrorCode, ErrorMessage, DateCreated, StartTime, EndTime,
                _history.ToList(), _conversation.ToList(), AnswerFault, AnsweredBy, MachineDetection);
    }
}

/// <summary>One entry of a call's Notifications list: an error Twilio's debugger logged for the call.</summary>
internal sealed record CallNotification(string Sid, int ErrorCode, string Message, string? RequestUrl, DateTimeOffset At);

/// <summary>An application's update of a live call: walk <see cref="Twiml"/> or fetch <see cref="Url"/> now, or end it (Status completed or canceled).</summary>
internal sealed record CallUpdate(string? Url, string Method, string? Twiml, string? Status);
