using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Aventora.Faults.Load;

/// <summary>What became of one planned request at Ingress.</summary>
public sealed record Submission(PlannedRequest Request, Guid? RequestId, int Attempts, int Refusals503, int LostAnswers, string? RejectedBecause)
{
    public bool Accepted => RequestId is not null;
}

/// <summary>
/// Sends every planned request through <c>POST /start</c>, paced evenly over the submit window so the faults meet requests in
/// flight. A 503 (broker away) or another 5xx is retried with the SAME body and Idempotency-Key: a 503 published nothing, so a
/// retry cannot make a second request, and where Ingress keeps idempotency keys the answer replays. An answer that never came
/// (a connection error or the client's 30 s timeout) is retried too and counted: without idempotency keys such a retry could
/// make a second request, which the per-person count of creations would show.
/// </summary>
public sealed class Submitter(HttpClient ingress, string apiKey, string domainName, TimeSpan submitOver, int concurrency, TimeSpan giveUpAfter)
{
    public async Task<IReadOnlyList<Submission>> SubmitAllAsync(IReadOnlyList<PlannedRequest> planned, Action<int> progress, CancellationToken ct)
    {
        var results = new Submission[planned.Count];
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(concurrency);
        var done = 0;
        var tasks = planned.Select(async request =>
        {
            var due = submitOver * ((double)request.Index / planned.Count);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            await gate.WaitAsync(ct);
            try
            {
                results[request.Index] = await SubmitOneAsync(request, ct);
            }
            finally
            {
                gate.Release();
                progress(Interlocked.Increment(ref done));
            }
        });
        await Task.WhenAll(tasks);
        return results;
    }

    private async Task<Submission> SubmitOneAsync(PlannedRequest request, CancellationToken ct)
    {
        var key = $"faults-{domainName}-{request.Index}";
        var body = request.Body(domainName);
        var attempts = 0;
        var refusals = 0;
        var lost = 0;
        var started = Stopwatch.StartNew();
        while (true)
        {
            attempts++;
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, "start") { Content = JsonContent.Create(body) };
                message.Headers.Add("X-Api-Key", apiKey);
                message.Headers.Add("Idempotency-Key", key);
                using var response = await ingress.SendAsync(message, ct);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    return new Submission(request, answer.RootElement.GetProperty("request_id").GetGuid(), attempts, refusals, lost, null);
                }
                // 409: the first attempt with this Idempotency-Key is still being handled; its answer comes on a retry.
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.Conflict)
                    return new Submission(request, null, attempts, refusals, lost, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable) refusals++;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                lost++;
            }
            if (started.Elapsed > giveUpAfter)
                return new Submission(request, null, attempts, refusals, lost, $"no 202 after {attempts} attempts in {started.Elapsed.TotalSeconds:F0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 250 * attempts)), ct);
        }
    }
}
