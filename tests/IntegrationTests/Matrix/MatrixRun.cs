using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.EmailPull;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.TwilioEmulator.Inspection;
using Dapper;

namespace Aventora.IntegrationTests.Matrix;

public static class MatrixSources
{
    public const string Api = "api";
    public const string CsvUpload = "csv-upload";
    public const string DropFolder = "drop-folder";
    public const string EmailPull = "email-pull";
    /// <summary>The person writes first (sms or WhatsApp); the conversation is logged as a request of its own.</summary>
    public const string Inbound = "inbound";

    public static readonly string[] Outbound = [Api, CsvUpload, DropFolder, EmailPull];
}

public static class MatrixRules
{
    /// <summary>Free-text wmsg to someone who never wrote: outside WhatsApp's 24-hour window.</summary>
    public const string WindowClosed = "window-closed";
    /// <summary>sms to someone who sent STOP by sms.</summary>
    public const string StopBySms = "stop-by-sms";
    /// <summary>wmsg to someone who sent STOP on WhatsApp (which also opened the window: only the opt-out refuses it).</summary>
    public const string StopOnWhatsApp = "stop-on-whatsapp";

    public static readonly string[] All = [WindowClosed, StopBySms, StopOnWhatsApp];
    public static string ChannelOf(string rule) => rule == StopBySms ? "sms" : "wmsg";
}

/// <summary>One cell: who is reached, how, and what the system and Twilio ended up with.</summary>
public sealed class MatrixCell
{
    public required string Source { get; init; }
    public required string Channel { get; init; }
    public required string Setup { get; init; }
    /// <summary>Null for a cell that must be delivered; else the rule that must refuse it.</summary>
    public string? Rule { get; init; }
    public required MatrixDomain Domain { get; init; }
    public required string Person { get; init; }
    public required string Name { get; init; }
    public required string Instruction { get; init; }
    public Guid? ApiRequestId { get; set; }

    public string Key => Rule is null ? $"{Source}|{Channel}|{Setup}" : $"{Source}|{Rule}";
}

/// <summary>What a cell's request ended as: the API's view, the database rows, and everything the emulator received for the person.</summary>
public sealed record CellOutcome(
    MatrixCell Cell,
    Guid RequestId,
    JsonObject Request,
    IReadOnlyList<(Guid Id, string Source)> Rows,
    IReadOnlyList<RecordedRequest> Received,
    IReadOnlyList<EmulatedMessage> Messages,
    IReadOnlyList<EmulatedCall> Calls);

/// <summary>
/// Runs every cell of the matrix once per test run, concurrently (the cells share one system and differ only in their domain,
/// source, channel and recipient), and keeps each cell's outcome for its own test case to assert. A cell that goes wrong keeps
/// its exception; the others go on.
/// </summary>
public sealed class MatrixRun : IAsyncDisposable
{
    private const string CsvHeader = "phone_number,name,email,instruction,call_type,channel";
    private readonly SemaphoreSlim _once = new(1, 1);
    private Task<IReadOnlyDictionary<string, Task<CellOutcome>>>? _outcomes;
    private readonly List<IAsyncDisposable> _cleanup = [];

    public async Task<CellOutcome> OutcomeAsync(SystemFixture system, string key)
    {
        await _once.WaitAsync();
        try { _outcomes ??= RunAsync(system); }
        finally { _once.Release(); }
        var outcomes = await _outcomes;
        Assert.True(outcomes.ContainsKey(key), $"the matrix has no cell {key}");
        return await outcomes[key];
    }

    private async Task<IReadOnlyDictionary<string, Task<CellOutcome>>> RunAsync(SystemFixture system)
    {
        var domains = (await Task.WhenAll(MatrixSetups.All.Select(s => MatrixDomain.CreateAsync(system, s)))).ToDictionary(d => d.Setup);
        var cells = new List<MatrixCell>();
        foreach (var domain in domains.Values)
            foreach (var source in MatrixSources.Outbound.Append(MatrixSources.Inbound))
                foreach (var channel in SourceChannelMatrixTests.ChannelsOf(source))
                    cells.Add(NewCell(source, channel, domain.Setup, null, domain));
        foreach (var source in MatrixSources.Outbound)
            foreach (var rule in MatrixRules.All)
                cells.Add(NewCell(source, MatrixRules.ChannelOf(rule), MatrixSetups.ChannelPairs, rule, domains[MatrixSetups.ChannelPairs]));

        // State first, through the public paths: a WhatsApp window opens when the person writes in; STOP is a message too.
        // A cell whose preparation fails fails alone, with that reason; the others go on.
        var prepared = cells.ToDictionary(c => c, c => PrepareAsync(system, c));
        try { await Task.WhenAll(prepared.Values); } catch { /* kept per cell below */ }
        var unprepared = prepared.Where(p => p.Value.IsFaulted).ToDictionary(p => p.Key.Key, p => p.Value.Exception!.InnerException!);
        cells = cells.Where(c => !unprepared.ContainsKey(c.Key)).ToList();

        // Then every source at once.
        var imap = ImapTestServer.FromEnvironment();
        var mailboxes = new Dictionary<string, TestMailbox>();
        foreach (var domain in domains.Values)
        {
            var mailbox = await TestMailbox.CreateAsync(system, imap, domain.Name, domain.Key, defaultChannel: "sms", defaultType: "appointment_booking");
            mailboxes[domain.Setup] = mailbox;
            _cleanup.Add(mailbox);
        }
        var sending = new List<Task>();
        sending.AddRange(cells.Where(c => c.Source == MatrixSources.Api).Select(c => StartThroughApiAsync(system, c)));
        foreach (var group in cells.Where(c => c.Source == MatrixSources.CsvUpload).GroupBy(c => c.Domain))
            sending.Add(UploadAsync(system, group.Key, Csv(group)));
        foreach (var group in cells.Where(c => c.Source == MatrixSources.DropFolder).GroupBy(c => c.Domain))
            sending.Add(DropAsync(system, group.Key, Csv(group)));
        foreach (var group in cells.Where(c => c.Source == MatrixSources.EmailPull).GroupBy(c => c.Setup))
            sending.Add(mailboxes[group.Key].AppendAsync(group.Select(cell => ImapTestServer.Mail(
                $"phone: {cell.Person}\nchannel: {cell.Channel}\nname: {cell.Name}\ntype: appointment_booking\n\n{cell.Instruction}")).ToArray()));
        sending.AddRange(cells.Where(c => c.Source == MatrixSources.Inbound).Select(c => PersonWritesAsync(system, c, c.Instruction)));
        await Task.WhenAll(sending);
        _cleanup.Insert(0, await EmailPoller.StartAsync(system));

        var outcomes = cells.ToDictionary(c => c.Key, c => ObserveAsync(system, c));
        foreach (var (key, failure) in unprepared) outcomes[key] = Task.FromException<CellOutcome>(failure);
        // Mailboxes and poller go as soon as every cell is settled, so later tests' pollers never see them.
        _ = Task.WhenAll(outcomes.Values.Select(t => t.ContinueWith(_ => { }))).ContinueWith(async _ => await CleanUpAsync()).Unwrap();
        return outcomes;
    }

    private static MatrixCell NewCell(string source, string channel, string setup, string? rule, MatrixDomain domain)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        return new MatrixCell
        {
            Source = source, Channel = channel, Setup = setup, Rule = rule, Domain = domain, Person = SystemFixture.UniqueNumber(),
            Name = "Ana" + tag, Instruction = $"Confirm visit {tag} ({source} {rule ?? channel})",
        };
    }

    private static async Task PrepareAsync(SystemFixture system, MatrixCell cell)
    {
        if (cell.Source == MatrixSources.Inbound) return;
        if (cell.Rule is MatrixRules.StopBySms or MatrixRules.StopOnWhatsApp)
        {
            await PersonWritesAsync(system, cell, "STOP");
            await Poll.UntilAsync(() => OptedOutAsync(system, cell), o => o, $"STOP from {cell.Person} to be recorded");
        }
        else if (cell is { Rule: null, Channel: "wmsg" })
        {
            await PersonWritesAsync(system, cell, "Hi, I am here");
            // The assistant answers the first contact: the window is open once the person's message was taken in.
            await Poll.UntilAsync(() => system.Emulator.GetMessagesAsync(cell.Person), m => m.Count >= 1, $"the reply that opens {cell.Person}'s window");
        }
    }

    private static Task<WebhookResult> PersonWritesAsync(SystemFixture system, MatrixCell cell, string body)
    {
        var whatsapp = cell.Channel == "wmsg";
        return system.Emulator.SendInboundMessageAsync(new InboundMessage(
            WebhookUrl: $"{system.Settings["Ingress:PublicBaseUrl"]}/{(whatsapp ? "whatsapp" : "sms")}/webhook",
            AccountSid: cell.Domain.AccountByChannel[cell.Channel].Sid, From: cell.Person, To: cell.Domain.NumberFor(cell.Channel),
            Body: body, Channel: whatsapp ? "whatsapp" : "sms"));
    }

    private static async Task<bool> OptedOutAsync(SystemFixture system, MatrixCell cell)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE domain_name = @domain AND phone_number = @person)", new { domain = cell.Domain.Name, person = cell.Person });
    }

    private static async Task StartThroughApiAsync(SystemFixture system, MatrixCell cell)
    {
        var body = new Dictionary<string, object?>
        {
            ["phone_number"] = cell.Person, ["channel"] = cell.Channel, ["type"] = "appointment_booking", ["instruction"] = cell.Instruction,
            ["name"] = cell.Name, ["domain_name"] = cell.Domain.Name,
        };
        // Opted out on WhatsApp: a content template, so nothing but the opt-out stands in the way.
        if (cell.Rule == MatrixRules.StopOnWhatsApp) (body["content_sid"], body["content_variables"]) = (Api.TemplateSid, "{\"1\":\"x\"}");
        cell.ApiRequestId = await (await system.StartAsync(body, cell.Domain.Key)).AcceptedRequestIdAsync();
    }

    private static string Csv(IEnumerable<MatrixCell> cells) =>
        CsvHeader + "\n" + string.Concat(cells.Select(c => $"{c.Person},{c.Name},,\"{c.Instruction}\",appointment_booking,{c.Channel}\n"));

    private static async Task UploadAsync(SystemFixture system, MatrixDomain domain, string csv)
    {
        using var http = system.Ingress.CreateHttpClient(domain.Key);
        using var content = new StringContent(csv, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await http.PostAsync("/batches", content);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private static async Task DropAsync(SystemFixture system, MatrixDomain domain, string csv)
    {
        var folder = Directory.CreateDirectory(Path.Combine(system.DropFolder, domain.Name)).FullName;
        var temporary = Path.Combine(folder, "matrix.csv.tmp");
        await File.WriteAllTextAsync(temporary, csv);
        File.Move(temporary, Path.Combine(folder, "matrix.csv"));
    }

    /// <summary>Waits until the cell's request has settled, then reads what everyone holds about it.</summary>
    private static async Task<CellOutcome> ObserveAsync(SystemFixture system, MatrixCell cell)
    {
        var source = cell.Source switch
        {
            MatrixSources.Api => "api", MatrixSources.CsvUpload or MatrixSources.DropFolder => "csv", MatrixSources.EmailPull => "email", _ => "inbound",
        };
        var rows = await Poll.UntilAsync(() => RowsAsync(system, cell, source), r => r.Count > 0, $"{cell.Key}: the request to be recorded");
        var id = cell.ApiRequestId ?? rows[0].Id;
        using var http = system.Ingress.CreateHttpClient(cell.Domain.Key);
        async Task<JsonObject?> Request() => await http.GetAsync($"/requests/{id}") is { IsSuccessStatusCode: true } r ? await r.JsonAsync() : null;

        if (cell.Rule is not null)
        {
            // A refusal carries a code; what it says is for the test to judge.
            var refused = await Poll.UntilAsync(Request, r => r["error_code"] is not null || r["twilio_sid"] is not null, $"{cell.Key}: the request to be decided");
            return await ReadAsync(system, cell, id, refused);
        }
        if (cell.Source == MatrixSources.Inbound)
        {
            var answered = await Poll.UntilAsync(Request, r => r["transcript"]!.AsArray().Any(t => t!["speaker"]!.GetValue<string>() == "assistant"),
                $"{cell.Key}: the assistant's answer to be recorded");
            await Poll.UntilAsync(() => system.Emulator.GetMessagesAsync(cell.Person), m => m.Count > 0 && m.All(Settled), $"{cell.Key}: the answer to settle in Twilio");
            return await ReadAsync(system, cell, id, answered);
        }

        // Delivered cells: once Twilio's side has ended, wait until the request has heard of that end (its twilio_status agrees).
        var created = await Poll.UntilAsync(async () => (await system.Emulator.GetRequestsAsync(cell.Person)).FirstOrDefault(r => CallbackNames(r, id)),
            _ => true, $"{cell.Key}: Twilio to be asked to create the request's {cell.Channel}", orFail: async () => (await Request())?["error_code"] is not null);
        var sid = created?.CreatedSid;
        string? final = null;
        if (sid is not null)
        {
            final = cell.Channel is "phone" or "wvoice"
                ? (await Poll.UntilAsync(() => system.Emulator.GetCallAsync(sid), c => c.IsFinal, $"{cell.Key}: call {sid} to end")).Status
                : (await Poll.UntilAsync(() => system.Emulator.GetMessageAsync(sid), Settled, $"{cell.Key}: message {sid} to settle")).Status;
        }
        var settled = await Poll.UntilAsync(Request, r => final is null || r.Str("twilio_status") == final, $"{cell.Key}: the request to hear Twilio's {final}");
        return await ReadAsync(system, cell, id, settled);
    }

    /// <summary>The end of a message's life in Twilio: WhatsApp goes on from delivered to read.</summary>
    private static bool Settled(EmulatedMessage m) =>
        m.Status is "read" or "failed" or "undelivered" || (m.Status == "delivered" && !m.To.StartsWith("whatsapp:"));

    public static bool CallbackNames(RecordedRequest r, Guid id) =>
        r.Form.GetValueOrDefault("StatusCallback") is { } url && url.Contains($"request_id={id}");

    private static async Task<IReadOnlyList<(Guid Id, string Source)>> RowsAsync(SystemFixture system, MatrixCell cell, string source)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        return (await db.QueryAsync<(Guid, string)>(
            "SELECT id, source FROM call_logs WHERE domain_name = @domain AND phone_number = @person AND channel = @channel AND source = @source",
            new { domain = cell.Domain.Name, person = cell.Person, channel = cell.Channel, source })).ToList();
    }

    private static async Task<CellOutcome> ReadAsync(SystemFixture system, MatrixCell cell, Guid id, JsonObject request)
    {
        await using var db = await system.Database.OpenConnectionAsync();
        var rows = (await db.QueryAsync<(Guid, string)>(
            "SELECT id, source FROM call_logs WHERE domain_name = @domain AND phone_number = @person AND channel = @channel AND source <> 'inbound'",
            new { domain = cell.Domain.Name, person = cell.Person, channel = cell.Channel })).ToList();
        if (cell.Source == MatrixSources.Inbound)
            rows = (await db.QueryAsync<(Guid, string)>("SELECT id, source FROM call_logs WHERE domain_name = @domain AND phone_number = @person",
                new { domain = cell.Domain.Name, person = cell.Person })).ToList();
        return new CellOutcome(cell, id, request, rows,
            await system.Emulator.GetRequestsAsync(cell.Person), await system.Emulator.GetMessagesAsync(cell.Person), await system.Emulator.GetCallsAsync(cell.Person));
    }

    private async Task CleanUpAsync()
    {
        foreach (var item in _cleanup.ToList())
        {
            _cleanup.Remove(item);
            try { await item.DisposeAsync(); } catch { /* best effort */ }
        }
    }

    public async ValueTask DisposeAsync() => await CleanUpAsync();
}

/// <summary>Polls gently: the matrix waits on some sixty cells at once on a shared machine.</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, Func<T, bool> until, string what, Func<Task<bool>>? orFail = null, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(120));
        T? last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await probe();
            if (last is not null && until(last)) return last;
            if (orFail is not null && await orFail()) return last!;
            await Task.Delay(400);
        }
        var seen = System.Text.Json.JsonSerializer.Serialize(last);
        throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}; last seen: {(seen.Length > 600 ? seen[..600] + "..." : seen)}");
    }
}
