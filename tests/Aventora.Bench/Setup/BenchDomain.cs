using Aventora.Operator;

namespace Aventora.Bench.Setup;

/// <summary>A domain made for one phase (<see cref="OperatorDomain"/>), with plenty of credits and a sender block of its own.</summary>
public sealed record BenchDomain(string Name, string AccountSid, string ApiKey)
{
    private const int Credits = 100_000_000; // the largest single grant Ingress allows: 33 million messages

    public static async Task<BenchDomain> CreateAsync(
        HttpClient ingress, HttpClient emulator, string adminKey, string name, int senderBlock, CancellationToken ct)
    {
        // Sender numbers belong to one domain alone, so each domain gets a block of its own.
        string Sender(int n) => $"+1202555{senderBlock:D2}{n:D2}";
        var domain = await OperatorDomain.CreateAsync(ingress, emulator, adminKey, name, new SenderNumbers(Sender(1), Sender(2), Sender(3)),
            Credits, "benchmark", ct);
        return new BenchDomain(domain.Name, domain.AccountSid, domain.ApiKey);
    }
}
