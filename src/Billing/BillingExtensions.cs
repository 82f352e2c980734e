using Aventora.Billing.Credits;
using Aventora.Billing.Usage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Aventora.Billing;

public static class BillingExtensions
{
    /// <summary>Prices (the validated <c>Billing</c> section), the credit ledger and reservations, and the workers' billing helper.</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BillingOptions>()
            .Bind(configuration.GetSection(BillingOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new PriceTable(sp.GetRequiredService<IOptions<BillingOptions>>()));
        services.AddCreditLedger();
        services.AddSingleton<RequestBilling>();
        return services;
    }

    /// <summary>The credit ledger and reservations alone, for a process that reads and grants credits but prices nothing.</summary>
    public static IServiceCollection AddCreditLedger(this IServiceCollection services)
    {
        services.TryAddSingleton<CreditRepository>();
        services.TryAddSingleton<ReservationQueue>();
        return services;
    }
}
