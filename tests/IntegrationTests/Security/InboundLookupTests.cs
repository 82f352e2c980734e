using System.Text.RegularExpressions;
using Aventora.Domains.Credentials;
using Aventora.IntegrationTests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Security;

/// <summary>
/// The lookups an inbound webhook makes before its signature can be checked (whose number is this) find the right owner for
/// every spelling the old regular-expression scan took, and PostgreSQL runs them through an index, not by reading every row:
/// the SQL the services really ran is explained with sequential scans turned off, under a generic plan.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed partial class InboundLookupTests(SystemFixture system)
{
    [Fact]
    public async Task The_owner_of_a_number_is_found_through_an_index_for_every_spelling()
    {
        string sms = SystemFixture.UniqueNumber(), whatsapp = SystemFixture.UniqueNumber(), shared = SystemFixture.UniqueNumber();
        var plain = Api.NewDomainName("plainnum");
        var prefixed = Api.NewDomainName("wanum");
        await system.CreateDomainAsync(plain, new Dictionary<string, string> { ["twilio_sms_number"] = sms });
        await system.CreateDomainAsync(prefixed, new Dictionary<string, string> { ["twilio_whatsapp_number"] = "whatsapp:" + whatsapp });
        // Rows from before numbers were unique may name one twice: then it is nobody's.
        var twice = new[] { Api.NewDomainName("twice-a"), Api.NewDomainName("twice-b") };
        foreach (var name in twice)
        {
            await system.CreateDomainAsync(name, new Dictionary<string, string>());
            await using var db = await system.Database.OpenConnectionAsync();
            await db.ExecuteAsync("UPDATE domains SET technical_json = technical_json || jsonb_build_object('twilio_sms_number', @shared) WHERE name = @name", new { shared, name });
        }

        var owners = system.Ingress.Services.GetRequiredService<NumberOwners>();
        var person = SystemFixture.UniqueNumber();
        using var spans = new DatabaseSpans();
        using (spans.Begin())
        {
            Assert.Equal((plain, true), await owners.FindAsync("sms", person, sms, CancellationToken.None));
            Assert.Equal((prefixed, true), await owners.FindAsync("wmsg", person, whatsapp, CancellationToken.None));
            Assert.Equal((null, false), await owners.FindAsync("sms", person, shared, CancellationToken.None));
            Assert.Equal((null, false), await owners.FindAsync("sms", person, whatsapp, CancellationToken.None)); // another key's number
            Assert.Equal((null, false), await owners.FindAsync("sms", person, SystemFixture.UniqueNumber(), CancellationToken.None));
        }

        var statements = spans.Statements.Distinct().ToList();
        Assert.Contains("domains_technical_json", await PlanAsync(Assert.Single(statements, s => s.Contains("FROM domains"))));
        Assert.Contains("sms_sessions_by_sender", await PlanAsync(Assert.Single(statements, s => s.Contains("FROM sms_sessions"))));
    }

    /// <summary>The generic plan of <paramref name="sql"/> (named or numbered parameters) with sequential scans turned off.</summary>
    private async Task<string> PlanAsync(string sql)
    {
        var names = new List<string>();
        var numbered = NamedParameter().Replace(sql, m =>
        {
            if (!names.Contains(m.Groups[1].Value)) names.Add(m.Groups[1].Value);
            return "$" + (names.IndexOf(m.Groups[1].Value) + 1);
        });
        var count = Math.Max(names.Count, NumberedParameter().Matches(numbered).Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(0).Max());
        await using var db = await system.Database.OpenConnectionAsync();
        await using var transaction = await db.BeginTransactionAsync();
        await db.ExecuteAsync("SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan", transaction: transaction);
        await db.ExecuteAsync($"PREPARE lookup AS {numbered}", transaction: transaction);
        var plan = string.Join("\n", await db.QueryAsync<string>(
            $"EXPLAIN EXECUTE lookup({string.Join(", ", Enumerable.Repeat("NULL", count))})", transaction: transaction));
        await db.ExecuteAsync("DEALLOCATE lookup", transaction: transaction);
        await transaction.RollbackAsync();
        return $"{plan}\n-- for: {sql}";
    }

    [GeneratedRegex(@"(?<![:\w])@(\w+)")]
    private static partial Regex NamedParameter();

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex NumberedParameter();
}
