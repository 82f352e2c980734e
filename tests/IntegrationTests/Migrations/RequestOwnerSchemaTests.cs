using Aventora.IntegrationTests.Infrastructure;
using Dapper;

namespace Aventora.IntegrationTests.Migrations;

/// <summary>No trigger acts on a request's status: the migrated schema has no user trigger on <c>call_logs</c>.</summary>
[Collection(SystemCollection.Name)]
public sealed class RequestOwnerSchemaTests(SystemFixture system)
{
    [Fact]
    public async Task Call_logs_has_no_user_triggers()
    {
        await using var db = await system.Database.OpenConnectionAsync();
        var triggers = (await db.QueryAsync<string>(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = 'call_logs'::regclass")).ToList();
        Assert.Empty(triggers);
    }
}
