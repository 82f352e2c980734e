using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace Aventora.Persistence;

/// <summary>A row property the query computes (an expression with an alias), not a column of the table.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ComputedAttribute : Attribute;

/// <summary>
/// The column list of a row record: its properties in snake_case, as Dapper maps them back (MatchNamesWithUnderscores). Reads
/// name their columns instead of <c>*</c> so that a statement Npgsql has prepared (Postgres:MaxAutoPrepare) keeps its result
/// type when a migration adds a column: a <c>SELECT *</c> would fail once per connection with 0A000 after every such migration.
/// </summary>
public static class Columns
{
    private static readonly ConcurrentDictionary<(Type, string?), string> Lists = new();

    /// <summary>"a.id, a.domain_name, …" for <typeparamref name="T"/>, each column prefixed with <paramref name="alias"/> when given.</summary>
    public static string Of<T>(string? alias = null) => Lists.GetOrAdd((typeof(T), alias), key => Build(key.Item1, key.Item2));

    private static string Build(Type type, string? alias) =>
        string.Join(", ", type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<ComputedAttribute>() is null && p.GetIndexParameters().Length == 0)
            .Select(p => (alias is null ? "" : alias + ".") + SnakeCase(p.Name)));

    public static string SnakeCase(string name)
    {
        var snake = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) snake.Append('_');
            snake.Append(char.ToLowerInvariant(name[i]));
        }
        return snake.ToString();
    }
}
