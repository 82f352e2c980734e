using System.Globalization;
using System.Text.Json;

namespace Aventora.Bench.Observe;

/// <summary>One message or call the emulator created: what Twilio would bill for. <see cref="To"/> is bare E.164.</summary>
public sealed record CreatedAtTwilio(
    string Kind, string Sid, string AccountSid, string To, bool WhatsApp, string Status,
    DateTimeOffset DateCreated, DateTimeOffset? FinishedAt, string? ErrorCode = null);

/// <summary>A webhook the emulator sent (status callback, TwiML fetch) and what the application answered.</summary>
public sealed record SentWebhook(string Kind, string? AccountSid, int Status);

/// <summary>
/// Reads the emulator's inspection API (<c>/_emulator/messages</c>, <c>/_emulator/calls</c>, <c>/_emulator/webhooks</c>).
/// Today each answers one JSON array of everything; a paged answer (an object holding the page's array and a next
/// link, cursor or page count, or an array that stops at the page size) is followed page by page. Either way every
/// record is read once.
/// </summary>
public sealed class EmulatorRecords(HttpClient emulator, int pageSize = 1000)
{
    private readonly int _pageSize = pageSize;
    private const int MaxPages = 20_000;
    private static readonly string[] ItemProperties = ["items", "messages", "calls", "webhooks", "data", "results", "records"];

    public Task<List<CreatedAtTwilio>> MessagesAsync(CancellationToken ct) =>
        ReadAllAsync("_emulator/messages", e => Created("message", e, Time(e, "date_updated")), ct);

    public Task<List<CreatedAtTwilio>> CallsAsync(CancellationToken ct) =>
        ReadAllAsync("_emulator/calls", e => Created("call", e, Time(e, "end_time")), ct);

    public Task<List<SentWebhook>> WebhooksAsync(CancellationToken ct) =>
        ReadAllAsync("_emulator/webhooks", e => new SentWebhook(
            Text(e, "kind") ?? "?",
            e.TryGetProperty("form", out var form) && form.ValueKind == JsonValueKind.Object ? Text(form, "AccountSid") : null,
            e.TryGetProperty("status", out var s) && s.TryGetInt32(out var status) ? status : 0), ct);

    /// <summary>Forgets every recorded request, webhook, message and call, so a phase's records do not weigh on the next.</summary>
    public async Task ClearAsync(CancellationToken ct) =>
        (await emulator.DeleteAsync("_emulator/requests", ct)).EnsureSuccessStatusCode();

    private static CreatedAtTwilio Created(string kind, JsonElement e, DateTimeOffset? finished)
    {
        var to = Text(e, "to") ?? "";
        var whatsApp = to.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase);
        return new CreatedAtTwilio(kind, Text(e, "sid") ?? "", Text(e, "account_sid") ?? "",
            whatsApp ? to["whatsapp:".Length..] : to, whatsApp, Text(e, "status") ?? "",
            Time(e, "date_created") ?? DateTimeOffset.MinValue, finished,
            e.TryGetProperty("error_code", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32().ToString(CultureInfo.InvariantCulture) : null);
    }

    private async Task<List<T>> ReadAllAsync<T>(string path, Func<JsonElement, T> read, CancellationToken ct)
    {
        var all = new List<T>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? url = $"{path}?page_size={_pageSize}";
        var guess = Guess.None;
        var page = 1;
        string? lastId = null;
        for (var fetches = 0; url is not null && fetches < MaxPages; fetches++)
        {
            using var response = await emulator.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
            var root = document.RootElement;
            var items = root.ValueKind == JsonValueKind.Array ? root : ItemsOf(root);
            if (items.ValueKind != JsonValueKind.Array)
                throw new InvalidOperationException($"The emulator's {path} answered JSON without a list of records.");

            var added = 0;
            foreach (var item in items.EnumerateArray())
            {
                // Records are told apart by SID (webhooks, which have none, by their whole text): a page read twice adds nothing.
                var id = Text(item, "sid") ?? item.GetRawText();
                if (!seen.Add(id)) continue;
                all.Add(read(item));
                added++;
                lastId = Text(item, "sid") ?? lastId;
            }
            var count = items.GetArrayLength();

            if (Explicit(path, root, response) is { } stated)
            {
                url = stated.Length > 0 && added > 0 ? stated : null;
                continue;
            }
            if (IsLastPage(root, count, page)) break;
            // A bare array longer or shorter than a page is everything at once (today's answer); an object says its page size.
            if (root.ValueKind == JsonValueKind.Array ? count != _pageSize : count < PageSizeOf(root) && !HasMore(root)) break;
            // A full page and no word on what follows: try the next page number, then a cursor after the last SID.
            if (added == 0 && guess == Guess.PageNumber) guess = Guess.After;
            else if (added == 0 && guess != Guess.None) break;
            else if (guess == Guess.None) guess = Guess.PageNumber;
            page++;
            url = guess == Guess.PageNumber
                ? $"{path}?page_size={_pageSize}&page={page}"
                : $"{path}?page_size={_pageSize}&after={Uri.EscapeDataString(lastId ?? "")}";
        }
        return all;
    }

    private enum Guess { None, PageNumber, After }

    private static JsonElement ItemsOf(JsonElement root)
    {
        foreach (var name in ItemProperties)
            if (root.TryGetProperty(name, out var named) && named.ValueKind == JsonValueKind.Array) return named;
        foreach (var property in root.EnumerateObject())
            if (property.Value.ValueKind == JsonValueKind.Array) return property.Value;
        return default;
    }

    /// <summary>The next page as the answer states it: a URL, "" for "no more", or null when the answer does not say.</summary>
    private string? Explicit(string path, JsonElement root, HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("Link", out var links))
        {
            var next = links.SelectMany(l => l.Split(',')).FirstOrDefault(l => l.Contains("rel=\"next\""));
            return next is null ? "" : Relative(next[(next.IndexOf('<') + 1)..next.IndexOf('>')]);
        }
        if (root.ValueKind != JsonValueKind.Object) return null;
        foreach (var name in new[] { "next_page_uri", "next_page_url", "next_page", "next", "next_url" })
            if (root.TryGetProperty(name, out var next))
                return next.ValueKind switch
                {
                    JsonValueKind.String when next.GetString() is { Length: > 0 } target => Relative(target),
                    JsonValueKind.Number => $"{path}?page_size={_pageSize}&page={next.GetInt32()}",
                    _ => "",
                };
        foreach (var name in new[] { "next_after", "next_cursor", "cursor" })
            if (root.TryGetProperty(name, out var cursor))
                return cursor.ValueKind == JsonValueKind.String && cursor.GetString() is { Length: > 0 } value
                    ? $"{path}?page_size={_pageSize}&after={Uri.EscapeDataString(value)}"
                    : "";
        return null;
    }

    private static bool IsLastPage(JsonElement root, int count, int page)
    {
        if (root.ValueKind != JsonValueKind.Object) return false;
        if (root.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.False) return true;
        return root.TryGetProperty("total_pages", out var pages) && pages.TryGetInt32(out var total) && page >= total;
    }

    private static bool HasMore(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True;

    /// <summary>The page size the server used: what it says, else what was asked.</summary>
    private int PageSizeOf(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("page_size", out var size) && size.TryGetInt32(out var used) ? used : _pageSize;

    private static string Relative(string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery.TrimStart('/') : target.TrimStart('/');

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement e, string name) =>
        Text(e, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
