using System.Net;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Migrations;

/// <summary>
/// Statements are prepared on the server (Postgres:MaxAutoPrepare) and reads name their columns, so a migration that adds a
/// column while the services run (a rolling deploy) breaks none of them: no 500 from the API, no request lost.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class PreparedStatementTests(SystemFixture system)
{
    [Fact]
    public async Task A_column_added_while_the_services_run_breaks_no_prepared_read()
    {
        // Enough traffic that the reads and writes of a request are prepared on the pooled connections.
        var before = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            var id = await (await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "Before the migration"))).AcceptedRequestIdAsync();
            before.Add(id);
            await system.RequestWhenAsync(id, r => r.Str("status") == "delivered", "the sms before the migration to be delivered");
        }

        await using (var db = await system.Database.OpenConnectionAsync())
            await db.ExecuteAsync("ALTER TABLE call_logs ADD COLUMN prepared_statement_test integer");
        try
        {
            using var http = system.Ingress.CreateHttpClient(SystemFixture.AdminKey);
            foreach (var id in before)
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/requests/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/requests?limit=5")).StatusCode);
            var after = await (await system.StartAsync(Api.StartBody(SystemFixture.UniqueNumber(), "sms", "informational", "After the migration"))).AcceptedRequestIdAsync();
            await system.RequestWhenAsync(after, r => r.Str("status") == "delivered", "the sms after the migration to be delivered");
        }
        finally
        {
            await using var db = await system.Database.OpenConnectionAsync();
            await db.ExecuteAsync("ALTER TABLE call_logs DROP COLUMN prepared_statement_test");
        }
    }
}
