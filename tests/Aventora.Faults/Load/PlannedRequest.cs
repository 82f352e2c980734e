namespace Aventora.Faults.Load;

/// <summary>One request the suite sends: its channel, its own recipient, and the body of <c>POST /start</c>.</summary>
public sealed record PlannedRequest(int Index, string Channel, string Type, string PhoneNumber, string? ContentSid, string? ContentVariables)
{
    private static readonly string[] CallTypes = ["informational", "appointment_booking", "survey"];

    /// <summary>
    /// N requests with channels in the mix's proportions, interleaved, each to a number of its own (+1415 2xx xxxx onwards), so
    /// whatever the emulator created can be told apart per request and per person.
    /// </summary>
    public static IReadOnlyList<PlannedRequest> Plan(int count, IReadOnlyList<(string Channel, int Weight)> mix, string runId)
    {
        var wheel = mix.SelectMany(m => Enumerable.Repeat(m.Channel, m.Weight)).ToArray();
        // Spread each channel through the wheel instead of in runs, so every fault window meets every channel.
        var spread = wheel.Select((channel, i) => (channel, key: (i * 7919) % wheel.Length)).OrderBy(x => x.key).Select(x => x.channel).ToArray();
        return Enumerable.Range(0, count).Select(i =>
        {
            var channel = spread[i % spread.Length];
            var type = channel is "phone" or "wvoice" ? CallTypes[i % CallTypes.Length] : "informational";
            var template = channel == "wmsg" ? "HX" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes($"{runId}:{i}")))[..32] : null;
            var variables = channel == "wmsg" ? $$"""{"1":"Person {{i}}"}""" : null;
            return new PlannedRequest(i, channel, type, Recipient(i), template, variables);
        }).ToList();
    }

    public static string Recipient(int index) => $"+1415{200 + index / 10_000:D3}{index % 10_000:D4}";

    public object Body(string domainName) => new
    {
        phone_number = PhoneNumber,
        channel = Channel,
        type = Type,
        instruction = $"Fault suite request {Index}: a reminder for tomorrow",
        domain_name = domainName,
        name = $"Person {Index}",
        content_sid = ContentSid,
        content_variables = ContentVariables,
    };
}
