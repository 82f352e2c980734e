using System.Net;
using System.Net.Http.Json;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Outbound;

/// <summary>Ingress answers 202 only after the broker confirmed; with no broker it answers 503, never a 202 for a lost request.</summary>
[Collection(SystemCollection.Name)]
public sealed class BrokerDownTests(SystemFixture system)
{
    [Fact]
    public async Task A_stopped_broker_gives_503_with_a_clear_body()
    {
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["RabbitMq:Port"] = FreePort.Next().ToString(), // nothing listens there: the broker is down for this Ingress
            ["RabbitMq:PublishTimeout"] = "00:00:01",
        };
        await using var ingress = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, new LogCapture());
        await Task.Run(ingress.StartServer);
        using var http = ingress.CreateHttpClient(SystemFixture.AdminKey);

        var response = await http.PostAsJsonAsync("/start", new
        {
            phone_number = SystemFixture.UniqueNumber(), channel = "sms", type = "informational", instruction = "Lost?",
        });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Contains("did not confirm", problem.Str("title"));
        Assert.Contains("Idempotency-Key", problem.Str("title"));
        Assert.Equal($"/requests/{problem.Str("request_id")}", problem.Str("status_url"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
    }
}
