using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aventora.Persistence.Secrets;

/// <summary>
/// Encrypts the secrets that rows written before encryption still hold in plain text (auth tokens in
/// <c>domains.technical_json</c>, <c>email_pull_configs.password</c>). Runs at startup after the migrations, under their
/// lock; a row is rewritten only if it still holds what was read, so a concurrent admin write is never undone.
/// </summary>
public sealed class PlainSecretsEncryption(SecretProtector protector, ILogger<PlainSecretsEncryption> logger)
{
    public async Task EncryptAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var domains = 0;
        var rows = await connection.QueryAsync<(string Name, string TechnicalJson)>(new CommandDefinition(
            "SELECT name, technical_json::text FROM domains", cancellationToken: cancellationToken));
        foreach (var (name, technicalJson) in rows.Where(row => SecretKeys.HasPlainSecret(row.TechnicalJson)))
        {
            domains += await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE domains SET technical_json = @encrypted::jsonb WHERE name = @name AND technical_json = @technicalJson::jsonb",
                new { name, technicalJson, encrypted = SecretKeys.Protect(technicalJson, protector) }, cancellationToken: cancellationToken));
        }

        var mailboxes = 0;
        var passwords = await connection.QueryAsync<(Guid Id, string Password)>(new CommandDefinition(
            "SELECT id, password FROM email_pull_configs WHERE password <> '' AND password NOT LIKE @prefix",
            new { prefix = SecretProtector.Prefix + "%" }, cancellationToken: cancellationToken));
        foreach (var (id, password) in passwords)
        {
            mailboxes += await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE email_pull_configs SET password = @encrypted WHERE id = @id AND password = @password",
                new { id, password, encrypted = protector.Protect(password) }, cancellationToken: cancellationToken));
        }

        if (domains + mailboxes > 0)
            logger.LogInformation("Encrypted the plain-text secrets of {Domains} domains and {Mailboxes} mailboxes", domains, mailboxes);
    }
}
