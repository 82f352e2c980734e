using System.Net.Http.Json;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator.Inspection;

/// <summary>
/// Typed client for the emulator's admin/inspection API (/_emulator/...). The HttpClient's BaseAddress is the
/// emulator root, e.g. http://127.0.0.1:5080/.
/// </summary>
public sealed class EmulatorClient(HttpClient http)
{
    // Accounts

    public Task AddAccountAsync(string sid, string authToken, CancellationToken ct = default) =>
        PostAsync("_emulator/accounts", new AccountCredentials(sid, authToken), ct);

    public Task<IReadOnlyList<AccountInfo>> GetAccountsAsync(CancellationToken ct = default) =>
        GetListAsync<AccountInfo>("_emulator/accounts", null, ct);

    // Recording and inspection

    /// <summary>REST requests received, oldest first; <paramref name="to"/> matches with or without whatsapp:.</summary>
    public Task<IReadOnlyList<RecordedRequest>> GetRequestsAsync(string? to = null, CancellationToken ct = default) =>
        GetListAsync<RecordedRequest>("_emulator/requests", to, ct);

    /// <summary>One page of recorded requests, oldest first; pass the page's NextAfter (an Id) as <paramref name="after"/> for the next one.</summary>
    public Task<EmulatedPage<RecordedRequest>> GetRequestsPageAsync(
        int pageSize = 1000, string? after = null, string? to = null, CancellationToken ct = default) =>
        GetPageAsync<RecordedRequest>("_emulator/requests", pageSize, after, to, ct);

    /// <summary>Every recorded request, oldest first, fetched page by page.</summary>
    public IAsyncEnumerable<RecordedRequest> StreamRequestsAsync(string? to = null, int pageSize = 1000, CancellationToken ct = default) =>
        StreamAsync(after => GetRequestsPageAsync(pageSize, after, to, ct));

    /// <summary>Clears recorded requests, webhooks, messages and calls (not scripts: see ClearFailures/ClearPeople).</summary>
    public async Task ClearRequestsAsync(CancellationToken ct = default) =>
        (await http.DeleteAsync("_emulator/requests", ct)).EnsureSuccessStatusCode();

    public Task<IReadOnlyList<EmulatedMessage>> GetMessagesAsync(string? to = null, CancellationToken ct = default) =>
        GetListAsync<EmulatedMessage>("_emulator/messages", to, ct);

    public Task<EmulatedMessage?> GetMessageAsync(string sid, CancellationToken ct = default) =>
        GetOrNullAsync<EmulatedMessage>($"_emulator/messages/{Uri.EscapeDataString(sid)}", ct);

    public Task<IReadOnlyList<EmulatedCall>> GetCallsAsync(string? to = null, CancellationToken ct = default) =>
        GetListAsync<EmulatedCall>("_emulator/calls", to, ct);

    public Task<EmulatedCall?> GetCallAsync(string sid, CancellationToken ct = default) =>
        GetOrNullAsync<EmulatedCall>($"_emulator/calls/{Uri.EscapeDataString(sid)}", ct);

    /// <summary>One page of messages, oldest first; pass the page's NextAfter as <paramref name="after"/> for the next one.</summary>
    public Task<EmulatedPage<EmulatedMessage>> GetMessagesPageAsync(
        int pageSize = 1000, string? after = null, string? to = null, CancellationToken ct = default) =>
        GetPageAsync<EmulatedMessage>("_emulator/messages", pageSize, after, to, ct);

    /// <summary>One page of calls, oldest first; pass the page's NextAfter as <paramref name="after"/> for the next one.</summary>
    public Task<EmulatedPage<EmulatedCall>> GetCallsPageAsync(
        int pageSize = 1000, string? after = null, string? to = null, CancellationToken ct = default) =>
        GetPageAsync<EmulatedCall>("_emulator/calls", pageSize, after, to, ct);

    /// <summary>Every message, oldest first, fetched page by page (for 100,000+ records).</summary>
    public IAsyncEnumerable<EmulatedMessage> StreamMessagesAsync(string? to = null, int pageSize = 1000, CancellationToken ct = default) =>
        StreamAsync(after => GetMessagesPageAsync(pageSize, after, to, ct));

    /// <summary>Every call, oldest first, fetched page by page.</summary>
    public IAsyncEnumerable<EmulatedCall> StreamCallsAsync(string? to = null, int pageSize = 1000, CancellationToken ct = default) =>
        StreamAsync(after => GetCallsPageAsync(pageSize, after, to, ct));

    /// <summary>
    /// Totals for benchmarks: creations by status and by answer fault, duplicates by StatusCallback request_id,
    /// requests by answered status, webhooks by kind and status. <paramref name="maxDuplicates"/> caps the listed groups.
    /// </summary>
    public async Task<EmulatorStats> GetStatsAsync(int maxDuplicates = 100, CancellationToken ct = default) =>
        (await http.GetFromJsonAsync<EmulatorStats>($"_emulator/stats?duplicates={maxDuplicates}", EmulatorJson.Options, ct))!;

    /// <summary>Webhooks the emulator sent (status callbacks, TwiML fetches, inbound messages).</summary>
    public Task<IReadOnlyList<SentWebhook>> GetWebhooksAsync(string? to = null, CancellationToken ct = default) =>
        GetListAsync<SentWebhook>("_emulator/webhooks", to, ct);

    /// <summary>Polls until the call reaches a final status (completed, busy, no-answer, failed, canceled).</summary>
    public Task<EmulatedCall> WaitForCallEndAsync(string sid, TimeSpan? timeout = null, CancellationToken ct = default) =>
        WaitAsync(() => GetCallAsync(sid, ct), c => c is { IsFinal: true }, timeout, $"call {sid} to end", ct);

    /// <summary>Polls until the message reaches one of <paramref name="statuses"/>.</summary>
    public Task<EmulatedMessage> WaitForMessageStatusAsync(
        string sid, IReadOnlyCollection<string> statuses, TimeSpan? timeout = null, CancellationToken ct = default) =>
        WaitAsync(() => GetMessageAsync(sid, ct), m => m is not null && statuses.Contains(m.Status), timeout,
            $"message {sid} to reach {string.Join("/", statuses)}", ct);

    // Failure injection

    public Task AddFailureAsync(FailureRule rule, CancellationToken ct = default) =>
        PostAsync("_emulator/failures", rule, ct);

    public Task<IReadOnlyList<FailureRule>> GetFailuresAsync(CancellationToken ct = default) =>
        GetListAsync<FailureRule>("_emulator/failures", null, ct);

    public async Task ClearFailuresAsync(CancellationToken ct = default) =>
        (await http.DeleteAsync("_emulator/failures", ct)).EnsureSuccessStatusCode();

    // Playing a person

    /// <summary>Calls to <paramref name="number"/> end as <paramref name="status"/> (busy, no-answer, failed) instead of being answered.</summary>
    public Task SetCallOutcomeAsync(
        string number, string status, int? errorCode = null, string? errorMessage = null, int? times = null,
        CancellationToken ct = default) =>
        PostAsync("_emulator/people/call-outcomes", new CallOutcome(number, status, errorCode, errorMessage, times), ct);

    /// <summary>Messages to <paramref name="number"/> end as undelivered/failed with <paramref name="errorCode"/>.</summary>
    public Task SetDeliveryOutcomeAsync(
        string number, string status, int? errorCode = null, string? errorMessage = null, int? times = null,
        CancellationToken ct = default) =>
        PostAsync("_emulator/people/delivery-outcomes", new DeliveryOutcome(number, status, errorCode, errorMessage, times), ct);

    /// <summary>What the person at <paramref name="number"/> says, one utterance per speech Gather (replaces earlier ones).</summary>
    public Task SetSpeechAsync(string number, IEnumerable<string> utterances, CancellationToken ct = default) =>
        PostAsync("_emulator/people/speech", new SpeechScript(number, utterances.ToList()), ct);

    /// <summary>What the person at <paramref name="number"/> does on their next Media Stream call.</summary>
    public Task SetStreamAsync(string number, IEnumerable<StreamStep> steps, CancellationToken ct = default) =>
        PostAsync("_emulator/people/streams", new StreamScript(number, steps.ToList()), ct);

    /// <summary>Whether <paramref name="number"/> has granted WhatsApp call permission; without one, a WhatsApp call to it is refused (37000).</summary>
    public Task SetWhatsAppCallPermissionAsync(string number, bool granted, CancellationToken ct = default) =>
        PostAsync("_emulator/people/whatsapp-call-permissions", new WhatsAppCallPermission(number, granted), ct);

    /// <summary>What answering machine detection reports for the next calls to <paramref name="number"/> (human when unscripted).</summary>
    public Task SetAnsweredByAsync(string number, string answeredBy, int? times = null, CancellationToken ct = default) =>
        PostAsync("_emulator/people/answering", new AnsweringScript(number, answeredBy, times), ct);

    public async Task ClearPeopleAsync(CancellationToken ct = default) =>
        (await http.DeleteAsync("_emulator/people", ct)).EnsureSuccessStatusCode();

    /// <summary>Posts a signed inbound message to the application's webhook and returns what the webhook answered.</summary>
    public async Task<WebhookResult> SendInboundMessageAsync(InboundMessage message, CancellationToken ct = default)
    {
        using var response = await http.PostAsJsonAsync("_emulator/people/messages", message, EmulatorJson.Options, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<WebhookResult>(EmulatorJson.Options, ct))!;
    }

    public Task<WebhookResult> SendInboundMessageAsync(
        string webhookUrl, string accountSid, string from, string to, string body, string channel = "sms",
        CancellationToken ct = default) =>
        SendInboundMessageAsync(new InboundMessage(webhookUrl, accountSid, from, to, body, channel), ct);

    // Plumbing

    private async Task PostAsync<T>(string path, T body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, body, EmulatorJson.Options, ct);
        await EnsureSuccessAsync(response, ct);
    }

    private async Task<IReadOnlyList<T>> GetListAsync<T>(string path, string? to, CancellationToken ct)
    {
        var url = to is null ? path : $"{path}?to={Uri.EscapeDataString(to)}";
        return await http.GetFromJsonAsync<List<T>>(url, EmulatorJson.Options, ct) ?? [];
    }

    private async Task<EmulatedPage<T>> GetPageAsync<T>(string path, int pageSize, string? after, string? to, CancellationToken ct)
    {
        var url = $"{path}?page_size={pageSize}";
        if (after is not null) url += $"&after={Uri.EscapeDataString(after)}";
        if (to is not null) url += $"&to={Uri.EscapeDataString(to)}";
        using var response = await http.GetAsync(url, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<EmulatedPage<T>>(EmulatorJson.Options, ct))!;
    }

    private static async IAsyncEnumerable<T> StreamAsync<T>(Func<string?, Task<EmulatedPage<T>>> readPage)
    {
        string? after = null;
        do
        {
            var page = await readPage(after);
            foreach (var item in page.Items) yield return item;
            after = page.NextAfter;
        } while (after is not null);
    }

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken ct) where T : class
    {
        using var response = await http.GetAsync(path, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<T>(EmulatorJson.Options, ct);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct);
        throw new HttpRequestException(
            $"Emulator answered {(int)response.StatusCode} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}",
            null, response.StatusCode);
    }

    private static async Task<T> WaitAsync<T>(
        Func<Task<T?>> read, Func<T?, bool> done, TimeSpan? timeout, string what, CancellationToken ct) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var current = await read();
            if (done(current)) return current!;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}; last seen: {current}");
            await Task.Delay(50, ct);
        }
    }
}
