using Aventora.Billing;
using Aventora.Conversations.Assistant;
using Aventora.Domains;
using Aventora.Messaging.Worker.Messaging;
using Aventora.Messaging.Worker.Reconciliation;
using Aventora.Outbound;
using Aventora.Messaging.Worker.Status;
using Aventora.ServiceDefaults;
using Aventora.TwilioGateway;
using Aventora.ServiceDefaults.Messaging;

// Messaging.Worker: sends sms and wmsg through the domain's Twilio account.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("Messaging.Worker", bus =>
{
    bus.AddConsumer<SendMessageConsumer>();
    bus.AddConsumer<BulkSendMessageConsumer>().Endpoint(e => { e.Name = OutboundLanes.SendMessageBulk; e.ConfigureConsumeTopology = false; });
    bus.AddConsumer<InboundMessageReceivedConsumer>();
    bus.AddBatchConsumer<MessageStatusReportedConsumer>(); // status reports in batches: one statement per round
    bus.AddDomainCacheInvalidation();
});
builder.Services.AddDomainMetadata(builder.Configuration);
builder.Services.AddTwilioGateway(builder.Configuration);
builder.Services.AddAssistant(builder.Configuration);
builder.Services.AddSingleton<TwilioMessageSender>();
builder.Services.AddOptions<ConversationOptions>().Bind(builder.Configuration.GetSection(ConversationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddBilling(builder.Configuration);
builder.Services.AddOutbound<MessageLookup>(builder.Configuration); // send at most once; settle lost outcomes, quiet statuses, held credits

var app = builder.Build();
app.MapServiceDefaults();
await app.RunAsync();

/// <summary>Lets tests host this service in-process.</summary>
public sealed partial class MessagingWorkerEntryPoint;
