using Aventora.Billing;
using Aventora.Dispatcher.Worker.Billing;
using Aventora.Dispatcher.Worker.Routing;
using Aventora.Dispatcher.Worker.StatusWebhooks;
using Aventora.Domains;
using Aventora.ServiceDefaults;
using Aventora.ServiceDefaults.Messaging;
using Aventora.Dispatcher.Worker.Scheduling;

// Dispatcher.Worker: decides. Consumes OutboundRequested; sends SendMessage (sms, wmsg) or PlaceCall (phone, wvoice).
// Keeps the credit ledger: consumes UsageRecorded. Delivers status webhooks to customers: consumes StatusWebhookDue.
// Holds requests that must wait and releases them on time (the schedule).
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("Dispatcher.Worker", bus =>
{
    bus.AddConsumer<OutboundRequestedConsumer>();
    bus.AddConsumer<BulkOutboundRequestedConsumer>().Endpoint(e => { e.Name = OutboundLanes.OutboundRequestedBulk; e.ConfigureConsumeTopology = false; });
    bus.AddBatchConsumer<UsageRecordedConsumer>(); // usages in batches: one ledger write per batch
    bus.AddConsumer<StatusWebhookDueConsumer>();
    bus.AddDomainCacheInvalidation();
});
builder.Services.AddDomainMetadata(builder.Configuration);
builder.Services.AddBilling(builder.Configuration);
builder.Services.AddSingleton<CreditCheck>();
builder.Services.AddStatusWebhookDelivery(builder.Configuration); // relays due status events to the broker; the consumer POSTs them
builder.Services.AddCampaignSchedule(builder.Configuration); // send_at, quiet hours, paused batches: held in PostgreSQL, released on time

var app = builder.Build();
app.MapServiceDefaults();
await app.RunAsync();

/// <summary>Lets tests host this service in-process.</summary>
public sealed partial class DispatcherWorkerEntryPoint;
