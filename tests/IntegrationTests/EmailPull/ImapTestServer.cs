using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Aventora.IntegrationTests.EmailPull;

/// <summary>
/// The real IMAP server of the run (the Dovecot scripts/infra.sh starts with AVENTORA_WITH_IMAP=1). Tests deliver mail by
/// IMAP APPEND, each test into a folder of its own, and look at what the poller did to it.
/// </summary>
public sealed class ImapTestServer
{
    public const string AddressVariable = "AVENTORA_TEST_IMAP";
    public const string UserVariable = "AVENTORA_TEST_IMAP_USER";
    public const string PasswordVariable = "AVENTORA_TEST_IMAP_PASSWORD";

    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string Username { get; init; }
    public required string Password { get; init; }

    public static ImapTestServer FromEnvironment()
    {
        var address = Environment.GetEnvironmentVariable(AddressVariable);
        var user = Environment.GetEnvironmentVariable(UserVariable);
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(address) || string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password) || !address.Contains(':'))
        {
            throw new InvalidOperationException(
                $"The email-pull tests need an IMAP server. Run `bash scripts/test.sh` (it starts Dovecot and sets these), or start it with " +
                $"`AVENTORA_WITH_IMAP=1 bash scripts/infra.sh` and set {AddressVariable}=127.0.0.1:1143 {UserVariable}=aventora-test " +
                $"{PasswordVariable}=aventora-test.");
        }
        var (host, port) = (address[..address.LastIndexOf(':')], int.Parse(address[(address.LastIndexOf(':') + 1)..]));
        return new ImapTestServer { Host = host, Port = port, Username = user, Password = password };
    }

    private async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync(Host, Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(Username, Password);
        return client;
    }

    public async Task<string> CreateFolderAsync(string name)
    {
        using var client = await ConnectAsync();
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        await root.CreateAsync(name, true);
        await client.DisconnectAsync(true);
        return name;
    }

    public Task AppendAsync(string folder, MimeMessage message) => AppendAsync(folder, [message]);

    /// <summary>Several mails over one connection: Dovecot limits the connections of one user from one address.</summary>
    public async Task AppendAsync(string folder, IReadOnlyList<MimeMessage> messages)
    {
        using var client = await ConnectAsync();
        var box = await client.GetFolderAsync(folder);
        foreach (var message in messages) await box.AppendAsync(message, MessageFlags.None);
        await client.DisconnectAsync(true);
    }

    /// <summary>Whether the mail with this Message-Id is in <paramref name="folder"/>, and whether it is \Seen.</summary>
    public async Task<(bool Present, bool Seen)> FindAsync(string folder, string messageId)
    {
        using var client = await ConnectAsync();
        IMailFolder box;
        try { box = await client.GetFolderAsync(folder); }
        catch (FolderNotFoundException) { return (false, false); }
        await box.OpenAsync(FolderAccess.ReadOnly);
        var uids = await box.SearchAsync(SearchQuery.HeaderContains("Message-Id", messageId));
        if (uids.Count == 0) return (false, false);
        var summary = (await box.FetchAsync(uids, MessageSummaryItems.Flags)).Single();
        await client.DisconnectAsync(true);
        return (true, summary.Flags!.Value.HasFlag(MessageFlags.Seen));
    }

    /// <summary>Clears \Seen, as a mail client or an operator might: the database claim alone must keep the mail from repeating.</summary>
    public async Task MarkUnseenAsync(string folder, string messageId)
    {
        using var client = await ConnectAsync();
        var box = await client.GetFolderAsync(folder);
        await box.OpenAsync(FolderAccess.ReadWrite);
        var uids = await box.SearchAsync(SearchQuery.HeaderContains("Message-Id", messageId));
        await box.RemoveFlagsAsync(uids, MessageFlags.Seen, true);
        await client.DisconnectAsync(true);
    }

    public static MimeMessage Mail(string body, string? subject = null, (string Name, byte[] Content)? csv = null)
    {
        var message = new MimeMessage { Subject = subject ?? "Please reach out", MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("tests.aventora") };
        message.From.Add(MailboxAddress.Parse("ops@example.com"));
        message.To.Add(MailboxAddress.Parse("aventora@example.com"));
        var builder = new BodyBuilder { TextBody = body };
        if (csv is { } file) builder.Attachments.Add(file.Name, file.Content, ContentType.Parse("text/csv"));
        message.Body = builder.ToMessageBody();
        return message;
    }
}
