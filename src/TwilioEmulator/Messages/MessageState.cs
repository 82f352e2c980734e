using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Listing;

namespace Aventora.TwilioEmulator.Messages;

/// <summary>A message's mutable life; snapshots (<see cref="EmulatedMessage"/>) are what leave the emulator.</summary>
internal sealed class MessageState : IListedResource
{
    private readonly Lock _gate = new();
    private readonly List<string> _history = [];

    public required string Sid { get; init; }
    public required string AccountSid { get; init; }
    public required string To { get; init; }
    public string? From { get; init; }
    public string? Body { get; init; }
    public string? ContentSid { get; init; }
    public string? ContentVariables { get; init; }
    public string? MessagingServiceSid { get; init; }
    public IReadOnlyList<string> MediaUrls { get; init; } = [];
    public string? StatusCallback { get; init; }
    public required DateTimeOffset DateCreated { get; init; }

    /// <summary>Set when the create's answer was faulted on purpose (timeout, drop, 500): created all the same.</summary>
    public string? AnswerFault { get; init; }

    public long Sequence { get; set; }

    public string Status { get; private set; } = "";
    public int? ErrorCode { get; private set; }
    public string? ErrorMessage { get; private set; }
    public DateTimeOffset DateUpdated { get; private set; }
    private DateTimeOffset? _dateSent;

    /// <summary>Read under the lock: list filters read it while delivery moves the message on.</summary>
    public DateTimeOffset? DateSent
    {
        get { lock (_gate) return _dateSent; }
    }

    public bool IsWhatsApp => Wire.PhoneNumber.IsWhatsApp(To);

    /// <summary>GSM-7 segments of 160 (153 when concatenated); good enough for an emulator.</summary>
    public int NumSegments => Body is not { Length: > 160 } body ? 1 : (body.Length + 152) / 153;

    public void Move(string status, DateTimeOffset at, int? errorCode = null, string? errorMessage = null)
    {
        lock (_gate)
        {
            Status = status;
            DateUpdated = at;
            // Twilio stamps date_sent when the message leaves its queue, whatever happens to it next.
            if (_dateSent is null && status is not ("queued" or "accepted" or "scheduled")) _dateSent = at;
            if (errorCode is not null) (ErrorCode, ErrorMessage) = (errorCode, errorMessage);
            _history.Add(status);
        }
    }

    public EmulatedMessage Snapshot()
    {
        lock (_gate)
            return new EmulatedMessage(Sid, AccountSid, To, From, Body, Status, ContentSid, ContentVariables,
                MessagingServiceSid, MediaUrls, StatusCallback, ErrorCode, ErrorMessage, DateCreated, DateUpdated,
                _history.ToList(), _dateSent, AnswerFault);
    }
}
