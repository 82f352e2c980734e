namespace Aventora.TwilioEmulator.Rest;

/// <summary>
/// One REST request as the gate parsed it: the path's account and resource, the form (all values, in order) and,
/// once an endpoint created something, its SID. Endpoints read it from HttpContext.Features.
/// </summary>
internal sealed class RestExchange(string accountSid, string? resource, IReadOnlyDictionary<string, IReadOnlyList<string>> form)
{
    public string AccountSid { get; } = accountSid;
    public string? Resource { get; } = resource;
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Form { get; } = form;
    public string? CreatedSid { get; set; }

    /// <summary>A POST to the collection (Messages.json, Calls.json): the only requests that create.</summary>
    public bool IsCreate { get; init; }
    public int? ErrorCode { get; set; }

    /// <summary>Set by the gate when a create-then-fail rule picked this request: the endpoint records it on what it creates.</summary>
    public string? AnswerFault { get; set; }

    public string? First(string name) => Form.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>Empty strings count as absent, as they do for Twilio.</summary>
    public string? Value(string name) => First(name) is { Length: > 0 } value ? value : null;

    public IReadOnlyList<string> All(string name) => Form.TryGetValue(name, out var values) ? values : [];
}

internal static class RestExchangeExtensions
{
    public static RestExchange Exchange(this HttpContext context) =>
        context.Features.Get<RestExchange>() ?? throw new InvalidOperationException("REST endpoint reached without the RestGate.");
}
