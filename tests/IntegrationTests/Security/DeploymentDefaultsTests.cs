using System.Net;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// Ingress.Api as a production deployment sees it: it will not start on the local admin key (and says which setting, not the
/// key), and its operational endpoints (/metrics, /docs, /openapi/v1.json) answer only where Management allows.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DeploymentDefaultsTests(SystemFixture system)
{
    private const string LocalAdminKey = "local-admin-key-change-me";
    private static readonly string[] Operational = ["/metrics", "/docs", "/openapi/v1.json"];

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(system.Settings) { ["Batches:DropFolder"] = "" };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task A_production_ingress_refuses_to_start_with_the_local_admin_key_naming_the_setting_not_the_key()
    {
        // Passwords of a real deployment's kind, so the admin key is what is left to refuse (nothing connects before the check).
        var postgres = new Npgsql.NpgsqlConnectionStringBuilder(system.Settings["Postgres:ConnectionString"]) { Password = "Xk2-not-a-default-password" };
        var logs = new LogCapture();
        await using var ingress = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), Settings(("environment", "Production"),
            ("Admin:ApiKey", LocalAdminKey), ("RabbitMq:Password", "Xk2-not-a-default-password"), ("Postgres:ConnectionString", postgres.ConnectionString)), logs);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(ingress.StartServer));

        Assert.Contains("Admin:ApiKey is the well-known local admin key", refused.ToString());
        Assert.DoesNotContain(LocalAdminKey, refused.ToString());
        Assert.DoesNotContain(LocalAdminKey, logs.All);
    }

    [Fact]
    public async Task A_production_ingress_refuses_to_start_with_the_local_broker_password_naming_the_setting_not_the_password()
    {
        var password = system.Infrastructure.Broker.Password; // the test machine's broker uses the local default
        await using var ingress = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), Settings(("environment", "Production")), new LogCapture());

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(ingress.StartServer));

        var message = refused.GetBaseException().Message;
        Assert.Contains("RabbitMq:Password is a well-known default password", message);
        Assert.DoesNotContain(password, message);
    }

    [Fact]
    public async Task The_same_settings_outside_production_start_as_before()
    {
        await using var ingress = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), Settings(("Admin:ApiKey", LocalAdminKey)), new LogCapture());
        await Task.Run(ingress.StartServer);
        using var http = ingress.CreateHttpClient(LocalAdminKey);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task Closed_management_endpoints_answer_404_while_health_and_the_api_answer()
    {
        await using var ingress = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), Settings(("Management:Public", "false")), new LogCapture());
        await Task.Run(ingress.StartServer);
        using var http = ingress.CreateHttpClient(SystemFixture.AdminKey);

        foreach (var path in Operational) Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task With_a_management_port_they_answer_on_that_port_only()
    {
        var port = FreePort.Next();
        await using var onIt = new ServiceHost<IngressApiEntryPoint>(port, Settings(("Management:Port", port.ToString())), new LogCapture());
        await Task.Run(onIt.StartServer);
        using (var http = onIt.CreateHttpClient())
            foreach (var path in Operational) Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(path)).StatusCode);

        // The port the request arrived on decides, not the Host header a caller writes.
        await using var offIt = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), Settings(("Management:Port", port.ToString())), new LogCapture());
        await Task.Run(offIt.StartServer);
        using var other = offIt.CreateHttpClient();
        foreach (var path in Operational)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"127.0.0.1:{port}";
            Assert.Equal(HttpStatusCode.NotFound, (await other.SendAsync(request)).StatusCode);
        }
    }
}
