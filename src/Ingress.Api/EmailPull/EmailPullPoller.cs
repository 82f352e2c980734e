using Aventora.Contracts;
using Aventora.Ingress.Api.Batches;
using Aventora.Ingress.Api.Publishing;
using Aventora.Ingress.Api.Requests;
using Aventora.Persistence.Batches;
using Aventora.Persistence.EmailPull;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using System.Net;
using System.Net.Sockets;
using Serilog.Context;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>
/// Reads each enabled domain mailbox (<c>email_pull_configs</c>) at its poll interval and turns each new (unseen) mail into
/// requests: its CSV attachments as batches, otherwise the body in <see cref="MailRequestParser"/>'s format. Each mail is claimed
/// in <c>email_pull_messages</c> (unique by UIDVALIDITY+UID and by Message-Id) before anything is published, and the claim's id
/// seeds the request ids, so a mail becomes requests once across restarts and with several pollers. A handled mail is flagged
/// \Seen; one that cannot be read is moved to <see cref="EmailPullOptions.RejectedFolder"/> with its reason recorded.
/// Mailboxes are polled side by side (<see cref="EmailPullOptions.MaxConcurrentMailboxes"/>), each cut off after
/// <see cref="EmailPullOptions.MailboxTimeout"/>, so one hanging server stalls nobody else. Before every poll the host is checked
/// again by <see cref="MailboxHostPolicy"/>; the password goes only to that checked address, over TLS unless the operator allowed
/// plain IMAP for the host, and never into a log line, an exception message or an answer.
/// </summary>
public sealed class EmailPullPoller(
    EmailPullConfigRepository configs, EmailPullMessageRepository mails, ConfirmedPublisher publisher, BatchProcessor batches,
    MailboxConnector connector, IOptions<EmailPullOptions> options, IOptions<BatchOptions> batchOptions, ILogger<EmailPullPoller> logger)
    : BackgroundService
{
    private readonly Dictionary<Guid, DateTimeOffset> _nextPoll = [];
    private readonly Dictionary<Guid, Task> _running = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var done in _running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList()) _running.Remove(done);
                foreach (var config in await configs.ListEnabledAsync(stoppingToken))
                {
                    if (_running.Count >= options.Value.MaxConcurrentMailboxes) break; // the rest wait for a free slot, next tick
                    if (_running.ContainsKey(config.Id)) continue;
                    if (_nextPoll.TryGetValue(config.Id, out var next) && next > DateTimeOffset.UtcNow) continue;
                    _nextPoll[config.Id] = DateTimeOffset.UtcNow.AddSeconds(config.PollIntervalSeconds);
                    _running[config.Id] = Task.Run(() => PollAsync(config, stoppingToken), CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogWarning("Email pull round failed ({ErrorType}); trying again next tick", e.GetType().Name);
            }
            try { await Task.Delay(options.Value.Tick, stoppingToken); } catch (OperationCanceledException) { break; }
        }
        await Task.WhenAll(_running.Values).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>
    /// One look into one mailbox, within <see cref="EmailPullOptions.MailboxTimeout"/>. Its failure is recorded on the mailbox in
    /// one of a few fixed sentences (never the exception's text, which can carry what the server or the network said) and the
    /// poller carries on.
    /// </summary>
    public async Task PollAsync(EmailPullConfig config, CancellationToken cancellationToken)
    {
        using var _ = LogContext.PushProperty("DomainName", config.DomainName);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.MailboxTimeout);
        string? error = null;
        try
        {
            await PollMailboxAsync(config, timeout.Token, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
        catch (Exception e)
        {
            error = e is OperationCanceledException ? MailboxErrors.TimedOut(options.Value.MailboxTimeout) : MailboxErrors.Describe(e, config);
            logger.LogWarning("Email pull from the mailbox of {DomainName} failed ({ErrorType}): {Error}", config.DomainName, e.GetType().Name, error);
        }
        await configs.RecordPollAsync(config.Id, error, CancellationToken.None);
    }

    private async Task PollMailboxAsync(EmailPullConfig config, CancellationToken ct, CancellationToken stopping)
    {
        using var client = await connector.OpenAsync(config, ct, stopping);
        var folder = await client.GetFolderAsync(config.Folder, ct);
        await folder.OpenAsync(FolderAccess.ReadWrite, ct);
        var uidValidity = (long)folder.UidValidity;

        var unseen = await folder.SearchAsync(SearchQuery.NotSeen, ct);
        foreach (var uid in unseen.OrderBy(u => u.Id).Take(options.Value.MaxMailsPerPoll))
        {
            var summary = (await folder.FetchAsync([uid], MessageSummaryItems.Envelope | MessageSummaryItems.Size, ct)).FirstOrDefault();
            if (summary is null) continue; // expunged meanwhile
            var messageId = Truncate(summary.Envelope?.MessageId, 998);
            var claim = await mails.TryClaimAsync(config.Id, uidValidity, uid.Id, messageId, options.Value.ClaimTimeout, ct);
            if (claim is null)
            {
                // Known already: finish what a poller that stopped half-way left undone on the server.
                var status = await mails.FindStatusAsync(config.Id, uidValidity, uid.Id, messageId, ct);
                if (status == EmailPullMessageStatus.Handled) await folder.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, ct);
                else if (status == EmailPullMessageStatus.Rejected) await SetAsideAsync(client, folder, uid, ct);
                continue;
            }

            using var mailScope = LogContext.PushProperty("MailId", claim.Value);
            var sender = summary.Envelope?.From.Mailboxes.FirstOrDefault()?.Address;
            var (requests, reason, brokerDown) =
                !AllowedSenders.Allows(config.AllowedSenders, sender)
                    ? (0, $"the sender '{Truncate(sender, 320) ?? "(none)"}' is not in the mailbox's allowed_senders.", false)
                : summary.Size > options.Value.MaxMailBytes
                    ? (0, $"the mail is larger than {options.Value.MaxMailBytes} bytes (EmailPull:MaxMailBytes).", false)
                    : await TurnIntoRequestsAsync(config, claim.Value, await folder.GetMessageAsync(uid, ct), ct);
            if (brokerDown)
            {
                // Not acknowledged: the next poll takes the claim over and republishes the same ids.
                await mails.ReleaseAsync(claim.Value, CancellationToken.None);
                logger.LogWarning("The broker is unavailable; the mail stays unhandled until the next poll");
                return;
            }
            if (requests == 0)
            {
                await mails.FinishAsync(claim.Value, EmailPullMessageStatus.Rejected, reason, 0, CancellationToken.None);
                await SetAsideAsync(client, folder, uid, ct);
                logger.LogInformation("Mail set aside in {RejectedFolder}: {Reason}", options.Value.RejectedFolder, reason);
            }
            else
            {
                await mails.FinishAsync(claim.Value, EmailPullMessageStatus.Handled, reason, requests, CancellationToken.None);
                await folder.AddFlagsAsync(uid, MessageFlags.Seen, silent: true, ct);
                logger.LogInformation("Mail turned into {RequestCount} request(s)", requests);
            }
        }
        await client.DisconnectAsync(quit: true, ct);
    }

    /// <summary>How many requests the mail became; with none, why (the reason the mail is set aside).</summary>
    private async Task<(int Requests, string? Reason, bool BrokerDown)> TurnIntoRequestsAsync(
        EmailPullConfig config, Guid claim, MimeMessage message, CancellationToken ct)
    {
        var csvs = message.Attachments.OfType<MimePart>().Where(IsCsv).ToList();
        if (csvs.Count > 0)
        {
            int accepted = 0, rejected = 0;
            var reasons = new List<string>();
            for (var k = 0; k < csvs.Count; k++)
            {
                var name = Truncate(csvs[k].FileName, 200) ?? $"attachment-{k + 1}.csv"; // a sender chooses it: keep it within what batches store
                await using var file = await DecodeAsync(csvs[k], ct);
                if (file is null) { reasons.Add($"{name}: {BatchProcessor.TooLarge(batchOptions.Value.MaxFileBytes).Message}"); continue; }
                var upload = new BatchUpload(NameBasedGuid.Create(claim, $"attachment:{k}"), config.DomainName, config.DefaultChannel, "email", name);
                // Accepted once spooled and validated, like an upload: the batch's rows go out in the background, so the mail is handled.
                var (outcome, refusal) = await batches.AcceptAsync(upload, file, ct);
                if (refusal is not null) { reasons.Add($"{name}: {refusal.Message}"); continue; }
                accepted += outcome!.AcceptedCount;
                rejected += outcome.RejectedCount;
                if (outcome.RejectedCount > 0)
                    reasons.Add($"{name}: {outcome.RejectedCount} row(s) rejected, first at line(s) {string.Join(", ", outcome.RejectedRows.Take(5).Select(r => r.LineNumber))}; see GET /batches/{upload.BatchId}");
            }
            return (accepted, reasons.Count > 0 ? string.Join(" ", reasons) : null, false);
        }

        var body = message.TextBody ?? StripTags(message.HtmlBody);
        var request = MailRequestParser.Parse(body, config.DefaultChannel, config.DefaultType, out var reason);
        if (request is null) return (0, reason, false);
        if (!OutboundRequestValidator.TryValidate(request with { DomainName = config.DomainName }, out var valid, out var errors))
            return (0, "the request in the mail is invalid: " + string.Join(" ", errors.SelectMany(e => e.Value)), false);
        var outbound = StartEndpoints.ToOutboundRequested(valid!, NameBasedGuid.Create(claim, "body"), RequestSources.Email);
        using var _ = LogContext.PushProperty("RequestId", outbound.RequestId);
        if (!await publisher.TryPublishAsync(outbound, ct)) return (0, null, true);
        logger.LogInformation("Accepted {Channel} request from a mail", outbound.Channel);
        return (1, null, false);
    }

    private static bool IsCsv(MimePart part) =>
        part.ContentType.IsMimeType("text", "csv") || part.ContentType.IsMimeType("application", "csv")
        || (part.FileName?.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ?? false);

    private async Task<SpooledFile?> DecodeAsync(MimePart part, CancellationToken ct)
    {
        if (part.Content is not { } content) return null; // an attachment without a body holds no rows
        // Decoded into memory-bounded pieces on disk: the spool takes it from a pipe fed by the decoder.
        var pipe = new System.IO.Pipelines.Pipe();
        var writing = Task.Run(async () =>
        {
            try { await content.DecodeToAsync(pipe.Writer.AsStream(), ct); }
            finally { await pipe.Writer.CompleteAsync(); }
        }, ct);
        var file = await SpooledFile.CopyAsync(pipe.Reader.AsStream(), batchOptions.Value.MaxFileBytes, batchOptions.Value.SpoolFolder!, ct);
        await pipe.Reader.CompleteAsync();
        try { await writing; } catch (InvalidOperationException) when (file is null) { /* reader gave up: too large */ }
        return file;
    }

    private async Task SetAsideAsync(ImapClient client, IMailFolder folder, UniqueId uid, CancellationToken ct)
    {
        try
        {
            var rejected = await GetOrCreateFolderAsync(client, options.Value.RejectedFolder, ct);
            await folder.MoveToAsync(uid, rejected, ct);
        }
        catch (Exception e) when (e is ImapCommandException or FolderNotFoundException or NotSupportedException)
        {
            // No folder to move it to: flag it, so it is not read again and a person can find it.
            await folder.AddFlagsAsync(uid, MessageFlags.Seen | MessageFlags.Flagged, silent: true, ct);
        }
    }

    private static async Task<IMailFolder> GetOrCreateFolderAsync(ImapClient client, string path, CancellationToken ct)
    {
        try { return await client.GetFolderAsync(path, ct); }
        catch (FolderNotFoundException) { }
        var parent = client.GetFolder(client.PersonalNamespaces[0]);
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var subfolders = await parent.GetSubfoldersAsync(false, ct);
            parent = subfolders.FirstOrDefault(f => f.Name == part) ?? await parent.CreateAsync(part, true, ct)
                ?? throw new FolderNotFoundException(path);
        }
        return parent;
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private static string? StripTags(string? html) =>
        html is null ? null : System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(html, "<br\\s*/?>|</p>|</div>", "\n", System.Text.RegularExpressions.RegexOptions.IgnoreCase), "<[^>]+>", ""));
}
