using System.ComponentModel.DataAnnotations;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>Binds the <c>EmailPull</c> section: how the poller runs. Each mailbox's own settings live in <c>email_pull_configs</c>.</summary>
public sealed class EmailPullOptions : IValidatableObject
{
    public const string Section = "EmailPull";

    /// <summary>Whether this Ingress copy polls mailboxes (any number of copies may: mails are claimed in the database).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>How often the poller looks for mailboxes that are due (each is polled at its own poll_interval_seconds).</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>A claim older than this is taken over by another poller (its poller died mid-mail); the same request ids are republished.</summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Where mails that cannot be turned into requests are moved (created when missing).</summary>
    [Required] public string RejectedFolder { get; set; } = "Aventora/Rejected";
    /// <summary>Largest mail read; a larger one is set aside.</summary>
    [Range(1024, int.MaxValue)] public int MaxMailBytes { get; set; } = 20 * 1024 * 1024;
    /// <summary>Mails handled per mailbox per poll, so one full mailbox does not starve the others.</summary>
    [Range(1, 10_000)] public int MaxMailsPerPoll { get; set; } = 100;
    /// <summary>How long one IMAP operation (connect, a command) may wait for the server.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How long one poll of one mailbox may take in all; a mailbox that hangs is cut off and the others go on.</summary>
    public TimeSpan MailboxTimeout { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>How many mailboxes are polled at the same time.</summary>
    [Range(1, 256)] public int MaxConcurrentMailboxes { get; set; } = 8;

    /// <summary>
    /// Operator only: host names (as written in imap_host) that may be polled with <c>tls_mode: none</c>, sending the password
    /// in clear text. Empty by default: every other mailbox must use <c>ssl</c> or <c>starttls</c>.
    /// </summary>
    public string[] AllowPlainImapHosts { get; set; } = [];

    /// <summary>
    /// Operator only: host names (as written in imap_host) that may resolve to loopback, link-local or private addresses. Empty by
    /// default, so a tenant cannot point the poller at the operator's own network.
    /// </summary>
    public string[] AllowedPrivateHosts { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Tick < TimeSpan.FromMilliseconds(100) || Tick > TimeSpan.FromHours(1))
            yield return new ValidationResult($"EmailPull:Tick must be between 00:00:00.1 and 01:00:00, not {Tick}.");
        if (ClaimTimeout < TimeSpan.FromSeconds(10))
            yield return new ValidationResult($"EmailPull:ClaimTimeout must be at least 00:00:10, not {ClaimTimeout}.");
        if (ConnectTimeout < TimeSpan.FromSeconds(1) || ConnectTimeout > TimeSpan.FromHours(1))
            yield return new ValidationResult($"EmailPull:ConnectTimeout must be between 00:00:01 and 01:00:00, not {ConnectTimeout}.");
        if (MailboxTimeout < TimeSpan.FromSeconds(1) || MailboxTimeout > TimeSpan.FromHours(1))
            yield return new ValidationResult($"EmailPull:MailboxTimeout must be between 00:00:01 and 01:00:00, not {MailboxTimeout}.");
    }
}
