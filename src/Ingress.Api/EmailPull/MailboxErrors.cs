using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Aventora.Persistence.EmailPull;

namespace Aventora.Ingress.Api.EmailPull;

/// <summary>The poller would not or could not poll a mailbox; the message is one of the fixed sentences, safe for last_error.</summary>
public sealed class MailboxRefusedException(string sentence) : Exception(sentence);

/// <summary>
/// What a failed poll leaves in the mailbox's <c>last_error</c>: a fixed sentence a person can act on. Never the exception's own
/// text (it can carry what the server said), and every failure before the IMAP greeting reads the same — refused, timed out,
/// reset or not TLS — so last_error cannot be used to scan which ports are open where.
/// </summary>
public static class MailboxErrors
{
    public const string Unreachable =
        "Could not open an IMAP session with the server: check imap_host, imap_port and tls_mode (ssl is usually port 993, starttls port 143).";
    public const string LoginRefused = "The IMAP server refused the username or password.";
    public const string ServerError = "The IMAP server answered with an error; check the mailbox on the server.";
    public const string Unexpected = "The poll failed unexpectedly; the operator's logs have the details.";

    public static string TimedOut(TimeSpan timeout) => $"The IMAP server did not finish within {timeout.TotalSeconds:0} s (EmailPull:MailboxTimeout); the poll was stopped.";

    public static string FolderMissing(string folder) => $"The folder '{folder}' does not exist in the mailbox.";

    public static string Describe(Exception e, EmailPullConfig config) => e switch
    {
        MailboxRefusedException refused => refused.Message,
        AuthenticationException => LoginRefused,
        FolderNotFoundException => FolderMissing(config.Folder),
        ImapCommandException => ServerError,
        System.Net.Sockets.SocketException or IOException or SslHandshakeException or ImapProtocolException or TimeoutException
            or ServiceNotConnectedException or ServiceNotAuthenticatedException => Unreachable,
        _ => Unexpected,
    };
}
