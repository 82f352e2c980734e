namespace Aventora.ServiceDefaults.Messaging;

/// <summary>
/// Batch rows travel in a bulk lane of their own, queues apart from interactive requests (<c>POST /start</c>, mail): a domain's
/// 100,000-row batch fills its bulk queues, never the queue another domain's single request waits in. Each worker consumes both
/// lanes with their own concurrency, so an interactive request never waits behind batch rows for a consumer.
/// </summary>
public static class OutboundLanes
{
    public const string OutboundRequestedBulk = "outbound-requested-bulk";
    public const string SendMessageBulk = "send-message-bulk";
    public const string PlaceCallBulk = "place-call-bulk";

    /// <summary>
    /// Header a scheduler puts on a held request's message when it releases it, naming the kind of message (the consumer of that kind
    /// then takes the hold). MassTransit copies a consumed message's headers onto what its consumer publishes, so the kind matters.
    /// </summary>
    public const string ReleasedHeader = "Aventora-Hold-Released";

    /// <summary>Is this message a release of a hold of <paramref name="kind"/>?</summary>
    public static bool IsRelease(MassTransit.ConsumeContext context, string kind) =>
        context.Headers.TryGetHeader(ReleasedHeader, out var value) && value?.ToString() == kind;

    public static Uri Queue(string name) => new($"queue:{name}");

    public static bool IsBulk(Guid? batchId) => batchId is not null;
}
