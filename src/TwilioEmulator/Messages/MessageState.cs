using Aventora.TwilioEmulator.Inspection;

namespace Aventora.TwilioEmulator.Messages;

/// <summary>A message's mutable life; snapshots (<see cref="EmulatedMessage"/>) are what leave the emulator.</summary>
internal sealed class MessageState
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

    public string Status { get; private set; } = "";
    public int? ErrorCode { get; private set; }
    public string? ErrorMessage { get; private set; }
    public DateTimeOffset DateUpdated { get; private set; }
    public DateTimeOffset? DateSent { get; private set; }

    public bool IsWhatsApp => Wire.PhoneNumber.IsWhatsApp(To);

    /// <summary>GSM-7 segments of 160 (153 when concatenated); good enough for an emulator.</summary>
    public int NumSegments => Body is not { Length: > 160 } body ? 1 : (body.Length + 152) / 153;

    public void Move(string status, DateTimeOffset at, int? errorCode = null, string? errorMessage = null)
    {
        lock (_gate)
        {
            Status = status;
            DateUpdated = at;
            if (status == "sent") DateSent = at;
            if (errorCode is not null) (ErrorCode, ErrorMessage) = (errorCode, errorMessage);
            _history.Add(status);
        }
    }

    public EmulatedMessage Snapshot()
    {
        lock (_gate)
            return new EmulatedMessage(Sid, AccountSid, To, From, Body, Status, ContentSid, ContentVariables,
                MessagingServiceSid, MediaUrls, StatusCallback, ErrorCode, ErrorMessage, DateCreated, DateUpdated,
                _history.ToList());
    }
}
