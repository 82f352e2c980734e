using System.ComponentModel.DataAnnotations;

namespace Aventora.Persistence;

/// <summary>Binds the <c>Postgres</c> section.</summary>
public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    /// <summary>Npgsql connection string. Holds a password: never logged.</summary>
    [Required(ErrorMessage = "Postgres:ConnectionString is required (e.g. Host=localhost;Database=aventora;Username=aventora;Password=...).")]
    public string ConnectionString { get; set; } = "";
}
