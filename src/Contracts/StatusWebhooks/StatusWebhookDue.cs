namespace Aventora.Contracts.StatusWebhooks;

/// <summary>A status-webhook delivery is due: POST it to its domain's endpoint. Carries only the id; the event and the secret stay in the database.</summary>
public sealed record StatusWebhookDue
{
    public required Guid DeliveryId { get; init; }
}
