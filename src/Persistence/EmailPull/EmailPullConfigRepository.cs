using Aventora.Persistence.Secrets;
using Dapper;
using Npgsql;

namespace Aventora.Persistence.EmailPull;

/// <summary>A domain's mailbox. <see cref="Password"/> is a secret: never logged, never answered (ToString leaves it out).</summary>
public sealed record EmailPullConfig
{
    public required Guid Id { get; init; }
    public required string DomainName { get; init; }
    public required string ImapHost { get; init; }
    public required int ImapPort { get; init; }
    public required string TlsMode { get; init; }
    public required string Username { get; init; }
    public required string Password { get; init; }
    public required string Folder { get; init; }
    public required string DefaultChannel { get; init; }
    public required string DefaultType { get; init; }
    public required int PollIntervalSeconds { get; init; }
    public required bool Enabled { get; init; }
    /// <summary>From addresses (or <c>@domain</c>s) whose mails are read; empty means anyone's.</summary>
    public string[] AllowedSenders { get; init; } = [];
    public DateTimeOffset? LastPolledAt { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public override string ToString() => $"EmailPullConfig {{ DomainName = {DomainName}, ImapHost = {ImapHost}, Username = {Username}, Password = *** }}";
}

/// <summary>The <c>email_pull_configs</c> table: one mailbox per domain. The password is stored encrypted and read decrypted.</summary>
public sealed class EmailPullConfigRepository(NpgsqlDataSource dataSource, SecretProtector secrets)
{
    public async Task<EmailPullConfig?> FindAsync(string domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var config = await connection.QuerySingleOrDefaultAsync<EmailPullConfig>(new CommandDefinition(
            $"SELECT {Columns.Of<EmailPullConfig>()} FROM email_pull_configs WHERE domain_name = @domainName", new { domainName }, cancellationToken: cancellationToken));
        return config is null ? null : Revealed(config);
    }

    public async Task<IReadOnlyList<EmailPullConfig>> ListEnabledAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EmailPullConfig>(new CommandDefinition(
            $"SELECT {Columns.Of<EmailPullConfig>()} FROM email_pull_configs WHERE enabled ORDER BY domain_name", cancellationToken: cancellationToken))).Select(Revealed).ToList();
    }

    /// <summary>Creates or replaces the domain's mailbox settings (the id stays, so handled mails stay handled).</summary>
    public async Task UpsertAsync(EmailPullConfig config, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO email_pull_configs (id, domain_name, imap_host, imap_port, tls_mode, username, password, folder,
                                            default_channel, default_type, poll_interval_seconds, enabled, allowed_senders)
            VALUES (@Id, @DomainName, @ImapHost, @ImapPort, @TlsMode, @Username, @Password, @Folder,
                    @DefaultChannel, @DefaultType, @PollIntervalSeconds, @Enabled, @AllowedSenders)
            ON CONFLICT (domain_name) DO UPDATE SET
                imap_host = excluded.imap_host, imap_port = excluded.imap_port, tls_mode = excluded.tls_mode,
                username = excluded.username, password = excluded.password, folder = excluded.folder,
                default_channel = excluded.default_channel, default_type = excluded.default_type,
                poll_interval_seconds = excluded.poll_interval_seconds, enabled = excluded.enabled,
                allowed_senders = excluded.allowed_senders,
                last_error = NULL, updated_at = now()
            """, config with { Password = secrets.Protect(config.Password) }, cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteAsync(string domainName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM email_pull_configs WHERE domain_name = @domainName", new { domainName }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Remembers the last poll and its error (a sentence without secrets), for the settings answer.</summary>
    public async Task RecordPollAsync(Guid id, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE email_pull_configs SET last_polled_at = now(), last_error = @error WHERE id = @id",
            new { id, error }, cancellationToken: cancellationToken));
    }

    private EmailPullConfig Revealed(EmailPullConfig config) => config with { Password = secrets.Reveal(config.Password) };
}
