using System.ComponentModel.DataAnnotations;

namespace Aventora.Messaging.Worker.Messaging;

/// <summary>Binds the <c>Conversation</c> section: keyword replies and WhatsApp's customer-service window.</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversation";

    [Required] public string HelpMessage { get; set; } = "This is an automated assistant. Reply STOP to stop receiving messages, START to receive them again.";

    [Required] public string StartMessage { get; set; } = "You will receive our messages again. Reply STOP to stop.";

    /// <summary>WhatsApp allows free text only this long after the person last wrote.</summary>
    public TimeSpan WhatsAppWindow { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>The carrier-style keywords, matched on the whole message, case-insensitive.</summary>
public static class Keywords
{
    public static readonly string[] Stop = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
    public static readonly string[] Start = ["START", "UNSTOP"];
    /// <summary>Also opts back in, but only a number that is opted out: otherwise it is an answer to the assistant.</summary>
    public static readonly string[] StartWhenOptedOut = ["YES"];
    public static readonly string[] Help = ["HELP", "INFO"];

    public static bool Is(string[] keywords, string body) => keywords.Contains(body.Trim().TrimEnd('.', '!').ToUpperInvariant());
}
