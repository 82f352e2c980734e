using System.Globalization;
using System.Text;
using Aventora.TwilioEmulator.Messages;
using Aventora.TwilioEmulator.Rest;

namespace Aventora.TwilioEmulator.Listing;

/// <summary>PageSize (default 50, at most 1000), Page (client state, echoed) and PageToken as Twilio's list reads take them.</summary>
internal sealed record ListPaging(int PageSize, int Page, string? PageToken)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 1000;

    public static ValidationError? Parse(RestExchange exchange, out ListPaging paging)
    {
        paging = new ListPaging(DefaultPageSize, 0, null);
        var pageSize = DefaultPageSize;
        var page = 0;
        if (exchange.Value("PageSize") is { } rawSize &&
            (!int.TryParse(rawSize, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1))
            return new(20001, $"Invalid PageSize '{rawSize}': use a whole number from 1 to {MaxPageSize}.");
        if (exchange.Value("Page") is { } rawPage &&
            !int.TryParse(rawPage, NumberStyles.None, CultureInfo.InvariantCulture, out page))
            return new(20001, $"Invalid Page '{rawPage}': use a whole number from 0.");
        paging = new ListPaging(Math.Min(pageSize, MaxPageSize), page, exchange.Value("PageToken"));
        return null;
    }
}

/// <summary>
/// One page of a Twilio list read over a <see cref="CreationIndex{T}"/>: newest first, with Twilio's paging links.
/// Page tokens are Twilio's own shape: "PA" + the SID of the last item of the previous page (read on after it),
/// "PB" + the SID of the first item of the next page (read back before it). Without a token, Page is an offset.
/// </summary>
internal static class TwilioList
{
    public static ValidationError? Read<T>(
        CreationIndex<T> index, string? to, Func<T, bool> match, ListPaging paging, out List<T> items, out bool hasNext)
        where T : class, IListedResource
    {
        items = [];
        hasNext = false;
        var size = paging.PageSize;
        switch (paging.PageToken)
        {
            case null:
                items = index.NewestFirst(to, match, null, (int)Math.Min(int.MaxValue, (long)paging.Page * size), size + 1);
                break;
            case { Length: > 2 } token when token.StartsWith("PA", StringComparison.Ordinal) && index.Find(token[2..]) is { } last:
                items = index.NewestFirst(to, match, last.Sequence, 0, size + 1);
                break;
            case { Length: > 2 } token when token.StartsWith("PB", StringComparison.Ordinal) && index.Find(token[2..]) is { } first:
                items = index.OldestFirst(to, match, first.Sequence, 0, size);
                items.Reverse();
                // Reading back from a page: that page (the token's item onwards) is the next one.
                hasNext = true;
                return null;
            default:
                return new(20001, $"Invalid PageToken '{paging.PageToken}': use the next_page_uri or previous_page_uri of a page.");
        }
        hasNext = items.Count > size;
        if (hasNext) items.RemoveRange(size, items.Count - size);
        return null;
    }

    /// <summary>Twilio's list envelope: records under <paramref name="key"/> plus start/end and the page URIs.</summary>
    public static Dictionary<string, object?> Envelope(
        string key, string path, IReadOnlyList<(string Name, string Value)> filters, ListPaging paging,
        IReadOnlyList<(string Sid, Dictionary<string, object?> Json)> records, bool hasNext)
    {
        var start = (long)paging.Page * paging.PageSize;
        string Uri(int page, string? token) => path + "?" + Query(filters, paging.PageSize, page, token);
        return new Dictionary<string, object?>
        {
            [key] = records.Select(r => r.Json).ToList(),
            ["end"] = records.Count == 0 ? start : start + records.Count - 1,
            ["first_page_uri"] = Uri(0, null),
            ["next_page_uri"] = hasNext ? Uri(paging.Page + 1, "PA" + records[^1].Sid) : null,
            ["page"] = paging.Page,
            ["page_size"] = paging.PageSize,
            ["previous_page_uri"] = paging.Page > 0 && records.Count > 0 ? Uri(paging.Page - 1, "PB" + records[0].Sid) : null,
            ["start"] = start,
            ["uri"] = Uri(paging.Page, paging.PageToken),
        };
    }

    /// <summary>The filters the caller gave, in a fixed order, as Twilio repeats them in every page URI.</summary>
    public static List<(string Name, string Value)> Filters(RestExchange exchange, params string[] names) =>
        names.Where(n => exchange.Value(n) is not null).Select(n => (n, exchange.Value(n)!)).ToList();

    private static string Query(IReadOnlyList<(string Name, string Value)> filters, int pageSize, int page, string? token)
    {
        var query = new StringBuilder();
        foreach (var (name, value) in filters) Append(query, name, value);
        Append(query, "PageSize", pageSize.ToString(CultureInfo.InvariantCulture));
        Append(query, "Page", page.ToString(CultureInfo.InvariantCulture));
        if (token is not null) Append(query, "PageToken", token);
        return query.ToString();
    }

    private static void Append(StringBuilder query, string name, string value)
    {
        if (query.Length > 0) query.Append('&');
        query.Append(System.Uri.EscapeDataString(name)).Append('=').Append(System.Uri.EscapeDataString(value));
    }
}
