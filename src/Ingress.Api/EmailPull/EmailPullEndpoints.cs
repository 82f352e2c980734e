using System.Text.RegularExpressions;
using Aventora.Contracts;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Requests;
using Aventora.Persistence.Domains;
using Aventora.Persistence.EmailPull;
using Microsoft.Extensions.Options;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>
/// The body of <c>PUT /admin/domains/{name}/email-pull</c>; fields left out keep their stored value. The stored password is kept
/// only while imap_host, imap_port, username and tls_mode stay as they are: it belongs to that server and that login.
/// </summary>
public sealed record EmailPullBody(
    string? ImapHost, int? ImapPort, string? TlsMode, string? Username, string? Password, string? Folder,
    string? DefaultChannel, string? DefaultType, int? PollIntervalSeconds, bool? Enabled, string[]? AllowedSenders = null);

/// <summary>
/// A domain's mailbox as <c>GET</c> and <c>PUT .../email-pull</c> answer it. <c>password</c> is always <c>********</c>: the password
/// is write-only. <c>last_polled_at</c> and <c>last_error</c> say how the latest poll went (null before the first).
/// </summary>
public sealed record EmailPullView(
    string DomainName, string ImapHost, int ImapPort, string TlsMode, string Username, string Password, string Folder,
    string DefaultChannel, string DefaultType, int PollIntervalSeconds, bool Enabled, string[] AllowedSenders,
    DateTimeOffset? LastPolledAt, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// One mail the poller claimed, and what became of it: <c>status</c> is claimed, handled or rejected (with the <c>reason</c>);
/// <c>request_count</c> is how many requests it made. <c>uid_validity</c> and <c>uid</c> name it in the IMAP folder.
/// </summary>
public sealed record PulledMailView(
    Guid MailId, long UidValidity, long Uid, string? MessageId, string Status, string? Reason, int RequestCount,
    DateTimeOffset ClaimedAt, DateTimeOffset UpdatedAt);

/// <summary>The 200 of <c>POST .../email-pull/test</c>: the login worked and the folder opened, holding <c>message_count</c> mails.</summary>
public sealed record MailboxTestView(bool Ok, string Folder, int MessageCount);

/// <summary>
/// A domain's mailbox for email pull, for the admin key or the domain's own keys. The password is write-only: every answer
/// shows it masked. <c>GET .../email-pull/mails</c> lists the latest mails and what became of them (rejected ones with the reason).
/// </summary>
public static partial class EmailPullEndpoints
{
    public const string MaskedPassword = "********";
    private static readonly string[] TlsModes = ["none", "ssl", "starttls"];
    public const int MaxAllowedSenders = 100;

    public static IEndpointRouteBuilder MapEmailPullEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/domains/{name}/email-pull").RequireAuthorization(ApiKeyAuthentication.AnyCaller);
        group.MapGet("/", GetAsync).Produces<EmailPullView>();
        group.MapPut("/", PutAsync).Produces<EmailPullView>().Produces<EmailPullView>(201); // 201 when the mailbox is first set up
        group.MapDelete("/", DeleteAsync).Produces(204);
        group.MapGet("/mails", ListMailsAsync).Produces<IReadOnlyList<PulledMailView>>();
        group.MapPost("/test", TestAsync).Produces<MailboxTestView>().ProducesProblem(422);
        return app;
    }

    private static async Task<IResult> GetAsync(string name, HttpContext http, EmailPullConfigRepository configs, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (!Caller.From(http.User).MayActFor(name)) return Forbidden(name);
        return await configs.FindAsync(name, ct) is { } config ? Results.Ok(View(config)) : NotFound(name);
    }

    private static async Task<IResult> PutAsync(
        string name, EmailPullBody? body, HttpContext http, DomainRepository domains, EmailPullConfigRepository configs,
        MailboxHostPolicy hosts, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (!Caller.From(http.User).MayActFor(name)) return Forbidden(name);
        if (body is null) return Results.Problem(statusCode: 400, title: "The body must be a JSON object with the mailbox's settings.");
        if (await domains.FindAsync(name, ct) is null) return Results.Problem(statusCode: 404, title: $"Domain '{name}' is not known.");
        var stored = await configs.FindAsync(name, ct);

        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors.TryAdd(field, [message]);
        foreach (var (field, text) in new[] { ("imap_host", body.ImapHost), ("tls_mode", body.TlsMode), ("username", body.Username),
                     ("password", body.Password), ("folder", body.Folder), ("default_channel", body.DefaultChannel), ("default_type", body.DefaultType) })
        {
            if (TextRules.FindForbidden(text, allowLineBreaks: false) is { } where) Add(field, TextRules.Refusal(field, where, allowLineBreaks: false));
        }
        var tls = (body.TlsMode ?? stored?.TlsMode ?? "ssl").Trim().ToLowerInvariant();
        if (!TlsModes.Contains(tls)) Add("tls_mode", $"tls_mode '{body.TlsMode}' is not valid: use one of {string.Join(", ", TlsModes)}.");
        var host = Blank(body.ImapHost) ?? stored?.ImapHost;
        if (host is null || host.Length > 255 || host.Any(char.IsWhiteSpace)) Add("imap_host", "imap_host is required: the IMAP server's host name (at most 255 characters).");
        var port = body.ImapPort ?? stored?.ImapPort ?? (tls == "ssl" ? 993 : 143);
        if (port is < 1 or > 65535) Add("imap_port", "imap_port must be between 1 and 65535.");
        var username = Blank(body.Username) ?? stored?.Username;
        if (username is null || username.Length > 320) Add("username", "username is required: the mailbox's login (at most 320 characters).");
        var sentPassword = string.IsNullOrEmpty(body.Password) || body.Password == MaskedPassword ? null : body.Password;
        if (sentPassword is { Length: > 1000 }) Add("password", "password is longer than 1000 characters.");
        // A stored password goes only to the server and login it was given for: pointing the mailbox elsewhere needs it again.
        var samePlace = stored is not null && string.Equals(stored.ImapHost, host, StringComparison.OrdinalIgnoreCase) && stored.ImapPort == port
                        && stored.Username == username && stored.TlsMode == tls;
        var password = sentPassword ?? (samePlace ? stored!.Password : null);
        if (string.IsNullOrEmpty(password))
        {
            Add("password", stored is null
                ? "password is required when the mailbox is first set up."
                : "password is required again: changing imap_host, imap_port, username or tls_mode clears the stored password.");
        }
        var folder = Blank(body.Folder) ?? stored?.Folder ?? "INBOX";
        if (folder.Length > 255) Add("folder", "folder is longer than 255 characters.");
        var channel = (Blank(body.DefaultChannel) ?? stored?.DefaultChannel ?? Channels.Sms).ToLowerInvariant();
        if (!Channels.ValidChannels.Contains(channel))
            Add("default_channel", $"default_channel '{body.DefaultChannel}' is not valid: use one of {string.Join(", ", Channels.ValidChannels)}.");
        var type = Blank(body.DefaultType) ?? stored?.DefaultType ?? "informational";
        if (!TypePattern().IsMatch(type)) Add("default_type", $"default_type '{type}' may hold only letters, digits, '_' and '-' (at most 100).");
        var interval = body.PollIntervalSeconds ?? stored?.PollIntervalSeconds ?? 60;
        if (interval is < 5 or > 86400) Add("poll_interval_seconds", "poll_interval_seconds must be between 5 and 86400.");
        var senders = body.AllowedSenders?.Select(a => a?.Trim().ToLowerInvariant() ?? "").ToArray() ?? stored?.AllowedSenders ?? [];
        if (senders.Length > MaxAllowedSenders) Add("allowed_senders", $"allowed_senders holds at most {MaxAllowedSenders} entries.");
        else if (senders.FirstOrDefault(a => !AllowedSenders.IsValidEntry(a)) is { } badSender)
            Add("allowed_senders", $"allowed_senders entry '{badSender}' is neither an email address (jane@example.com) nor a mail domain (@example.com).");

        if (host is not null && !errors.ContainsKey("imap_host") && !errors.ContainsKey("tls_mode"))
        {
            if (hosts.RefuseTlsMode(host, tls) is { } plain) Add("tls_mode", plain);
            else if ((await hosts.ResolveAsync(host, ct)).Refusal is { } refused) Add("imap_host", refused);
        }
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The mailbox settings have invalid fields.");

        await configs.UpsertAsync(new EmailPullConfig
        {
            Id = stored?.Id ?? Guid.NewGuid(), DomainName = name, ImapHost = host!, ImapPort = port, TlsMode = tls, Username = username!,
            Password = password!, Folder = folder, DefaultChannel = channel, DefaultType = type, PollIntervalSeconds = interval,
            Enabled = body.Enabled ?? stored?.Enabled ?? true, AllowedSenders = senders,
        }, ct);
        var saved = (await configs.FindAsync(name, ct))!;
        return stored is null ? Results.Created($"/admin/domains/{name}/email-pull", View(saved)) : Results.Ok(View(saved));
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext http, EmailPullConfigRepository configs, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (!Caller.From(http.User).MayActFor(name)) return Forbidden(name);
        return await configs.DeleteAsync(name, ct) ? Results.NoContent() : NotFound(name);
    }

    private static async Task<IResult> ListMailsAsync(
        string name, HttpContext http, EmailPullConfigRepository configs, EmailPullMessageRepository mails, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (!Caller.From(http.User).MayActFor(name)) return Forbidden(name);
        if (await configs.FindAsync(name, ct) is not { } config) return NotFound(name);
        return Results.Ok((await mails.ListAsync(config.Id, 100, ct)).Select(m => new PulledMailView(
            m.Id, m.UidValidity, m.Uid, m.MessageId, m.Status, m.Reason, m.RequestCount, m.ClaimedAt, m.UpdatedAt)).ToList());
    }

    /// <summary>
    /// Logs in to the stored mailbox and opens its folder, reading and changing nothing: 200 with the folder's message count, or 422
    /// with one of <see cref="MailboxErrors"/>' fixed sentences (never what the server said).
    /// </summary>
    private static async Task<IResult> TestAsync(
        string name, HttpContext http, EmailPullConfigRepository configs, MailboxConnector connector, IOptions<EmailPullOptions> options,
        ILogger<MailboxConnector> logger, CancellationToken ct)
    {
        name = name.ToLowerInvariant();
        if (!Caller.From(http.User).MayActFor(name)) return Forbidden(name);
        if (await configs.FindAsync(name, ct) is not { } config) return NotFound(name);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.MailboxTimeout);
        try
        {
            using var client = await connector.OpenAsync(config, timeout.Token, ct);
            var folder = await client.GetFolderAsync(config.Folder, timeout.Token);
            await folder.OpenAsync(MailKit.FolderAccess.ReadOnly, timeout.Token);
            var count = folder.Count;
            await client.DisconnectAsync(quit: true, timeout.Token);
            return Results.Ok(new MailboxTestView(Ok: true, config.Folder, count));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? MailboxErrors.TimedOut(options.Value.MailboxTimeout) : MailboxErrors.Describe(e, config);
            logger.LogInformation("Mailbox test for {DomainName} failed ({ErrorType})", name, e.GetType().Name);
            return Results.Problem(statusCode: 422, title: reason, extensions: new Dictionary<string, object?> { ["code"] = "mailbox_unreachable" });
        }
    }

    private static EmailPullView View(EmailPullConfig c) => new(
        c.DomainName, c.ImapHost, c.ImapPort, c.TlsMode, c.Username, MaskedPassword, c.Folder, c.DefaultChannel, c.DefaultType,
        c.PollIntervalSeconds, c.Enabled, c.AllowedSenders, c.LastPolledAt, c.LastError, c.CreatedAt, c.UpdatedAt);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static IResult NotFound(string name) => Results.Problem(statusCode: 404, title: $"Domain '{name}' has no email-pull mailbox.");

    private static IResult Forbidden(string name) => Results.Problem(statusCode: 403, title: $"This API key may not act for domain '{name}'.");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")] private static partial Regex TypePattern();
}
