namespace Aventora.Admin.Web.Components.Send;

/// <summary>The statuses a request never leaves (as Ingress.Api's lifecycle table has them) and the ones a filter offers.</summary>
public static class RequestStatuses
{
    public static readonly IReadOnlySet<string> Final = new HashSet<string>
    {
        "completed", "busy", "no-answer", "canceled", "undelivered", "failed", "insufficient_credits", "opted_out", "read",
    };

    public static readonly string[] All =
    [
        "received", "routed", "sending", "unconfirmed", "queued", "initiated", "ringing", "in-progress", "sent", "delivered", "read",
        "completed", "busy", "no-answer", "canceled", "undelivered", "failed", "insufficient_credits", "opted_out", "inbound",
    ];
}
