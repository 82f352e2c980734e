using Aventora.Billing;
using Aventora.Dispatcher.Worker.Billing;
using Aventora.Dispatcher.Worker.Routing;
using Aventora.Domains;
using Aventora.ServiceDefaults;

// Dispatcher.Worker: decides. Consumes OutboundRequested; sends SendMessage (sms, wmsg) or PlaceCall (phone, wvoice).
// Keeps the credit ledger: consumes UsageRecorded.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("Dispatcher.Worker", bus =>
{
    bus.AddConsumer<OutboundRequestedConsumer>();
    bus.AddConsumer<UsageRecordedConsumer>();
    bus.AddDomainCacheInvalidation();
});
builder.Services.AddDomainMetadata(builder.Configuration);
builder.Services.AddBilling(builder.Configuration);
builder.Services.AddSingleton<CreditCheck>();

var app = builder.Build();
app.MapServiceDefaults();
await app.RunAsync();

/// <summary>Lets tests host this service in-process.</summary>
public sealed partial class DispatcherWorkerEntryPoint;
