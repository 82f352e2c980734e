using System.ComponentModel.DataAnnotations;
using Npgsql;

namespace Aventora.Persistence;

/// <summary>Binds the <c>Postgres</c> section.</summary>
public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    /// <summary>Npgsql connection string. Holds a password: never logged.</summary>
    [Required(ErrorMessage = "Postgres:ConnectionString is required (e.g. Host=localhost;Database=aventora;Username=aventora;Password=...).")]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// This process's share of PostgreSQL's <c>max_connections</c>: the most connections its pool opens. All processes' pools together
    /// must stay below the server's limit with headroom (README, "Connection budget"); past it, work waits for a free connection
    /// instead of failing. A <c>Maximum Pool Size</c> written in the connection string wins.
    /// </summary>
    [Range(2, 1000, ErrorMessage = "Postgres:MaxPoolSize must be between 2 and 1000.")]
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>How long work waits for a free pooled connection before it fails (and is retried).</summary>
    [Range(1, 600, ErrorMessage = "Postgres:ConnectionWaitSeconds must be between 1 and 600.")]
    public int ConnectionWaitSeconds { get; set; } = 30;

    /// <summary>
    /// How many statements each connection keeps prepared on the server (Npgsql's automatic preparation: a statement run
    /// <see cref="AutoPrepareMinUsages"/> times is prepared, and later runs skip PostgreSQL's parse and plan). 0 turns it off.
    /// Reads name their columns (<see cref="Columns"/>), so a migration that adds a column leaves the prepared reads valid.
    /// </summary>
    [Range(0, 1000, ErrorMessage = "Postgres:MaxAutoPrepare must be between 0 (off) and 1000.")]
    public int MaxAutoPrepare { get; set; } = 64;

    [Range(1, 100, ErrorMessage = "Postgres:AutoPrepareMinUsages must be between 1 and 100.")]
    public int AutoPrepareMinUsages { get; set; } = 2;

    /// <summary>
    /// Skip the session reset Npgsql runs when a pooled connection is taken again (six statements: RESET ALL, CLOSE ALL, UNLISTEN *,
    /// advisory unlocks, DISCARD SEQUENCES and TEMP), about eleven times per request. Aventora leaves no session state behind on a
    /// pooled connection: no SET, LISTEN, temporary table or session advisory lock outside the migrator's own, which it releases.
    /// </summary>
    public bool NoResetOnClose { get; set; } = true;

    /// <summary>The connection string with this process's pool bound, statement preparation and the reset choice applied (unless the string already sets them).</summary>
    public string BoundedConnectionString()
    {
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = ConnectionString };
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        if (!new[] { "Maximum Pool Size", "Max Pool Size", "MaxPoolSize" }.Any(written.ContainsKey)) builder.MaxPoolSize = MaxPoolSize;
        if (!written.ContainsKey("Timeout")) builder.Timeout = ConnectionWaitSeconds;
        if (!new[] { "Max Auto Prepare", "MaxAutoPrepare" }.Any(written.ContainsKey)) builder.MaxAutoPrepare = MaxAutoPrepare;
        if (!new[] { "Auto Prepare Min Usages", "AutoPrepareMinUsages" }.Any(written.ContainsKey)) builder.AutoPrepareMinUsages = AutoPrepareMinUsages;
        if (!new[] { "No Reset On Close", "NoResetOnClose" }.Any(written.ContainsKey)) builder.NoResetOnClose = NoResetOnClose;
        return builder.ConnectionString;
    }
}
