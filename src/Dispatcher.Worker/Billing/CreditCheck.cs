using Aventora.ServiceDefaults.Metrics;
using Aventora.Billing;
using Aventora.Billing.Credits;
using Aventora.Contracts.Outbound;

namespace Aventora.Dispatcher.Worker.Billing;

/// <summary>
/// Can the domain pay for the request? Reserves its price against the domain's available credits in one atomic step, so
/// concurrent requests can never promise more than the balance holds; concurrent requests are reserved together
/// (<see cref="ReservationQueue"/>). Requests without a domain are not billed.
/// </summary>
public sealed class CreditCheck(ReservationQueue reservations, PriceTable prices, AventoraMetrics metrics)
{
    public const string InsufficientCredits = "insufficient_credits";

    /// <summary>Null when the request may go on (its price is now held); otherwise why it may not.</summary>
    public async Task<string?> TryReserveAsync(OutboundRequested request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.DomainName)) return null;
        var price = prices.PriceOf(request.Channel, request.Type);
        var result = await reservations.ReserveAsync(request.DomainName, request.RequestId, price, cancellationToken);
        if (result.Reserved) metrics.CreditsReserved(request.Channel, price);
        return result.Reserved ? null
            : $"Domain '{request.DomainName}' has {Math.Max(0, result.Available)} credits available and this {request.Channel} request " +
              $"(type '{request.Type}') costs {price}: nothing was sent. Credits can be granted with POST /admin/domains/{request.DomainName}/credits.";
    }
}
