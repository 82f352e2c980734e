using System.Text.Json;

namespace Aventora.Faults.Report;

/// <summary>The prices the services run with, read from the same Billing section of their appsettings.json.</summary>
public sealed record Prices(int Message, int DefaultCall, IReadOnlyDictionary<string, int> Calls)
{
    public static Prices Load(string appsettingsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(appsettingsPath));
        var billing = document.RootElement.GetProperty("Billing");
        var calls = billing.TryGetProperty("CallPrices", out var table)
            ? table.EnumerateObject().ToDictionary(p => p.Name.ToLowerInvariant(), p => p.Value.GetInt32())
            : new Dictionary<string, int>();
        return new Prices(billing.GetProperty("MessageCredits").GetInt32(), billing.GetProperty("DefaultCallCredits").GetInt32(), calls);
    }

    public int CallPrice(string type) => Calls.TryGetValue(type.ToLowerInvariant(), out var credits) ? credits : DefaultCall;
}
