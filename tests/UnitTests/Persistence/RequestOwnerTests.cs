using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Aventora.Contracts.StatusWebhooks;
using Aventora.Persistence.Requests;

namespace Aventora.UnitTests.Persistence;

/// <summary>
/// The request owner is the only code that changes a request's status: no SQL outside <c>src/Persistence/Requests</c> (and the
/// migrations, which made the schema) inserts into <c>call_logs</c> or sets its <c>status</c>, and the webhook event it writes has
/// exactly the fields of <see cref="RequestStatusEvent"/>.
/// </summary>
public sealed partial class RequestOwnerTests
{
    [Fact]
    public void No_code_outside_the_request_owner_writes_a_requests_status()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var owner = Path.Combine(src, "Persistence", "Requests") + Path.DirectorySeparatorChar;
        var migrations = Path.Combine(src, "Persistence", "Migrations") + Path.DirectorySeparatorChar;
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(owner) && !f.StartsWith(migrations) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => WritesStatus().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(src, f))
            .ToList();
        Assert.True(offenders.Count == 0, $"these files write call_logs.status outside RequestTransitions: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void The_webhook_event_written_in_SQL_has_exactly_the_fields_of_its_contract()
    {
        var contract = typeof(RequestStatusEvent).GetProperties()
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name).Order().ToArray();
        Assert.Equal(contract, RequestTransitions.StatusEventFields.Select(f => f.Name).Order().ToArray());
    }

    [Fact]
    public void The_check_itself_finds_a_status_write()
    {
        Assert.Matches(WritesStatus(), "UPDATE call_logs SET twilio_sid = @sid,\n status = 'queued' WHERE id = @id");
        Assert.Matches(WritesStatus(), "INSERT INTO call_logs (id, status) VALUES (@id, 'received')");
        Assert.DoesNotMatch(WritesStatus(), "UPDATE call_logs SET reconcile_after = now() + @leaseFor WHERE id IN (SELECT id FROM call_logs WHERE status = 'sending')");
    }

    // An UPDATE of call_logs whose SET list (up to its WHERE, FROM or RETURNING) names status, or any INSERT into call_logs.
    [GeneratedRegex(@"UPDATE\s+call_logs\b(?:(?!\bWHERE\b|\bFROM\b|\bRETURNING\b).)*\bstatus\s*=|INSERT\s+INTO\s+call_logs\b",
        RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex WritesStatus();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Aventora.sln"))) return dir.FullName;
        throw new InvalidOperationException("Aventora.sln not found above the test's folder.");
    }
}
