using System.Collections.Concurrent;
using System.Diagnostics;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.ServiceDefaults.Telemetry;

namespace Aventora.IntegrationTests.Observability;

/// <summary>One request is one trace: HTTP in at Ingress, the Dispatcher's consume, the Messaging worker's consume, its database work and its call to Twilio.</summary>
[Collection(SystemCollection.Name)]
public sealed class TraceTests(SystemFixture system) : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name is "MassTransit" or "Microsoft.AspNetCore" or "Npgsql" or "System.Net.Http",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private void Start()
    {
        _listener.ActivityStopped = activity => _spans.Enqueue(activity);
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task One_POST_start_yields_spans_from_Ingress_Dispatcher_and_Messaging_under_one_trace_id()
    {
        Start();
        var to = SystemFixture.UniqueNumber();
        var id = await (await system.StartAsync(new { phone_number = to, channel = "sms", type = "informational", instruction = "Traced" }))
            .AcceptedRequestIdAsync();
        await system.RequestWithSidAsync(id);
        var requestId = id.ToString();

        var ingress = await Eventually.Get(() => Task.FromResult(_spans.FirstOrDefault(s =>
                s.Source.Name == "Microsoft.AspNetCore" && Equals(s.GetTagItem(AventoraTelemetry.RequestIdAttribute), requestId))),
            _ => true, "the Ingress span of POST /start");
        var trace = ingress.TraceId;
        List<Activity> InTrace() => _spans.Where(s => s.TraceId == trace).ToList();
        bool From(Activity s, string service) => Equals(s.GetTagItem(AventoraTelemetry.ServiceAttribute), service);

        var spans = await Eventually.Get(() => Task.FromResult<List<Activity>?>(InTrace()),
            s => s.Any(x => From(x, "Dispatcher.Worker")) && s.Any(x => From(x, "Messaging.Worker"))
                 && s.Any(x => x.Source.Name == "System.Net.Http" && x.DisplayName.StartsWith("POST", StringComparison.Ordinal)),
            $"spans of Dispatcher and Messaging, and the Twilio call, in trace {trace}");

        Assert.Contains(spans, s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Producer); // Ingress published
        Assert.Contains(spans, s => s.Source.Name == "Npgsql");                                          // the workers' database work
        Assert.All(spans.Where(s => From(s, "Dispatcher.Worker") || From(s, "Messaging.Worker")),
            s => Assert.Equal(requestId, s.GetTagItem(AventoraTelemetry.RequestIdAttribute)));
        // The call to Twilio is the emulator's Messages resource, in the same trace.
        Assert.Contains(spans, s => s.Source.Name == "System.Net.Http" && (s.GetTagItem("url.full") as string ?? "").Contains("/Messages.json"));
    }

    public void Dispose() => _listener.Dispose();
}
