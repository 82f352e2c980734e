using MudBlazor;

namespace Aventora.Admin.Web.Api;

/// <summary>One status of the lifecycle as <c>GET /statuses</c> serves it.</summary>
public sealed record StatusInfo(string Status, bool Final, IReadOnlyList<string> SettledFor);

/// <summary>The answer of <c>GET /statuses</c>.</summary>
public sealed record StatusList(IReadOnlyList<StatusInfo> Statuses);

/// <summary>
/// The request lifecycle's statuses, read from Ingress.Api (<c>GET /statuses</c>) once and kept: the console's filter, its "final"
/// mark and its colours follow the lifecycle the API owns, so no list here can drift from it (a cancelled request is final, and
/// every status can be filtered on). Until the first answer it knows nothing, and nothing is final.
/// </summary>
public sealed class StatusVocabulary
{
    private volatile StatusList _known = new([]);

    public IReadOnlyList<string> All => _known.Statuses.Select(s => s.Status).ToList();

    public async Task EnsureAsync(IngressApiClient api, CancellationToken ct)
    {
        if (_known.Statuses.Count > 0) return;
        if (await api.GetStatusesAsync(ct) is { Ok: true } answer) _known = answer.Value!;
    }

    public bool IsFinal(string status) => Find(status)?.Final == true;

    /// <summary>Nothing more to wait for: final, or a message Twilio delivered (the API says for which channels).</summary>
    public bool IsSettled(string channel, string status) => Find(status)?.SettledFor.Contains(channel) == true;

    public Color ColorOf(string status) => status switch
    {
        "delivered" or "read" or "completed" => Color.Success,
        "cancelled" => Color.Default,
        _ when IsFinal(status) => Color.Error,
        _ => Color.Info,
    };

    private StatusInfo? Find(string status) => _known.Statuses.FirstOrDefault(s => s.Status == status);
}
