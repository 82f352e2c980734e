namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>Waits for something that happens asynchronously (a consumer, a callback), bounded, so a broken flow fails instead of hanging.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, Func<T, bool> until, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        T? last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await probe();
            if (last is not null && until(last)) return last;
            await Task.Delay(100);
        }
        var seen = System.Text.Json.JsonSerializer.Serialize(last);
        throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}; last seen: {(seen.Length > 600 ? seen[..600] + "..." : seen)}");
    }
}
