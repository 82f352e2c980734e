using Aventora.Operator;

namespace Aventora.Faults.Setup;

/// <summary>The domain the suite sends for (<see cref="OperatorDomain"/>), with credits for every request at the dearest price.</summary>
public sealed record FaultDomain(string Name, string AccountSid, string ApiKey, long CreditsGranted)
{
    public static async Task<FaultDomain> CreateAsync(HttpClient ingress, HttpClient emulator, string adminKey, string name, int requests, CancellationToken ct)
    {
        // Enough for every request at the dearest call price, with room: the suite measures billing, not refusals.
        long credits = Math.Max(1000, requests * 50L);
        var domain = await OperatorDomain.CreateAsync(ingress, emulator, adminKey, name,
            new SenderNumbers("+12025559101", "+12025559102", "+12025559103"), credits, "fault suite", ct);
        return new FaultDomain(domain.Name, domain.AccountSid, domain.ApiKey, credits);
    }
}
