using Aventora.Billing;
using Aventora.Conversations.Assistant;
using Aventora.Domains;
using Aventora.ServiceDefaults;
using Aventora.TwilioGateway;
using Aventora.ServiceDefaults.Messaging;
using Aventora.Voice.Worker.Calls;
using Aventora.Voice.Worker.Reconciliation;
using Aventora.Outbound;
using Aventora.Voice.Worker.Status;
using Aventora.Voice.Worker.Streams;

// Voice.Worker: places phone and wvoice calls, writes their TwiML turn by turn, and holds stream-mode calls on Twilio Media Streams.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("Voice.Worker", bus =>
{
    bus.AddConsumer<PlaceCallConsumer>();
    bus.AddConsumer<BulkPlaceCallConsumer>().Endpoint(e => { e.Name = OutboundLanes.PlaceCallBulk; e.ConfigureConsumeTopology = false; });
    bus.AddConsumer<GetCallTwimlConsumer>();
    bus.AddBatchConsumer<CallStatusReportedConsumer>(); // status reports in batches: one statement per round
    bus.AddConsumer<Aventora.Voice.Worker.Voicemail.AnsweringMachineDetectedConsumer>();
    bus.AddDomainCacheInvalidation();
});
builder.Services.AddDomainMetadata(builder.Configuration);
builder.Services.AddTwilioGateway(builder.Configuration);
builder.Services.AddAssistant(builder.Configuration);
builder.Services.AddBilling(builder.Configuration);
builder.Services.AddVoiceStreams(builder.Configuration); // <Connect><Stream> calls: /voice/stream/{requestId}, speech pipeline, capacity
builder.Services.AddOutbound<CallLookup>(builder.Configuration); // place at most once; settle lost outcomes, quiet statuses, held credits

var app = builder.Build();
app.MapServiceDefaults();
app.MapVoiceStreams();
await app.RunAsync();

/// <summary>Lets tests host this service in-process.</summary>
public sealed partial class VoiceWorkerEntryPoint;
