using System.Text.Json.Nodes;

namespace Aventora.Admin.Web.Api;

// The shapes Ingress.Api answers in (snake_case on the wire), as far as the console reads them.

public sealed record Me(bool IsAdmin, string? DomainName);

public sealed record StartAnswer(Guid RequestId, string Status, string StatusUrl);

public sealed record TranscriptTurn(string Speaker, string Text, DateTimeOffset At);

public sealed record StatusChange(string Status, string? ErrorMessage, DateTimeOffset At);

public sealed record RequestDetail(
    Guid RequestId, string? DomainName, string Channel, string PhoneNumber, string Type, string Status, string? Source,
    string? TwilioSid, string? TwilioStatus, string? ErrorCode, string? ErrorMessage, int? DurationSeconds, Guid? BatchId, int? LineNumber,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<TranscriptTurn>? Transcript, IReadOnlyList<StatusChange>? StatusHistory,
    string? AnsweredBy = null, string? MachineAction = null);

public sealed record RequestRow(
    Guid RequestId, string? DomainName, string Channel, string PhoneNumber, string Type, string Source, string Status,
    Guid? BatchId, int? LineNumber, string? ErrorCode, string? ErrorMessage, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record RequestPage(IReadOnlyList<RequestRow> Items, string? Next);

public sealed record RequestQuery(string? DomainName, string? Channel, string? Status, string? Source, DateTime? From, DateTime? To, int Limit, string? After);

public sealed record RejectedRow(int LineNumber, IReadOnlyDictionary<string, string[]> Errors);

public sealed record BatchAnswer(
    string BatchId, Guid BatchUuid, string Status, int AcceptedCount, int PublishedCount, int RejectedCount,
    IReadOnlyList<RejectedRow>? RejectedRows, bool RejectedRowsTruncated);

public sealed record BatchProgress(
    string BatchId, Guid BatchUuid, string? DomainName, string Status, string? FailureReason, string? WaitingReason,
    int AcceptedCount, int PublishedCount, int RejectedCount, int PendingCount, IReadOnlyDictionary<string, int>? Statuses);

public sealed record EmailPullSettings
{
    public string? DomainName { get; init; }
    public string? ImapHost { get; set; }
    public int? ImapPort { get; set; }
    public string? TlsMode { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string? Folder { get; set; }
    public string? DefaultChannel { get; set; }
    public string? DefaultType { get; set; }
    public int? PollIntervalSeconds { get; set; }
    public bool? Enabled { get; set; }
    public string[]? AllowedSenders { get; set; }
    public DateTimeOffset? LastPolledAt { get; init; }
    public string? LastError { get; init; }
}

public sealed record MailboxTest(bool Ok, string Folder, int MessageCount);

public sealed record PulledMail(
    Guid MailId, long? Uid, string? MessageId, string Status, string? Reason, int? RequestCount, DateTimeOffset? ClaimedAt, DateTimeOffset? UpdatedAt);

public sealed record DomainView(string DomainName, JsonObject? TechnicalJson, bool? CreditsEnforced, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ApiKeyView(Guid Id, string? KeyPrefix, string? Label, DateTimeOffset? CreatedAt, DateTimeOffset? RevokedAt);

public sealed record NewApiKey(Guid Id, string DomainName, string ApiKey, string KeyPrefix, string? Label);

public sealed record CreditBalance(string? DomainName, long Balance, long Reserved, long Available, bool? CreditsEnforced);

public sealed record LedgerEntry(Guid EntryId, string Kind, long Credits, Guid? RequestId, string? Channel, string? Type, string? Reason, DateTimeOffset OccurredAt);

public sealed record Ledger(int Page, int PageSize, long Total, IReadOnlyList<LedgerEntry> Entries);
