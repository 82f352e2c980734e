using System.Text.Json;
using Aventora.Domains;
using Aventora.Ingress.Api.Admin;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Batches;
using Aventora.Ingress.Api.EmailPull;
using Aventora.Ingress.Api.Publishing;
using Aventora.Ingress.Api.Requests;
using Aventora.Ingress.Api.Voice;
using Aventora.ServiceDefaults;

// Ingress.Api: validates, authenticates, publishes and answers. It never calls Twilio and holds no conversation.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("Ingress.Api", bus =>
{
    bus.AddDomainCacheInvalidation();
    bus.AddRequestClient<Aventora.Contracts.Voice.GetCallTwiml>();
});
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
builder.Services.AddProblemDetails();
builder.Services.AddApiKeyAuthentication(builder.Configuration);
builder.Services.AddDomainMetadata(builder.Configuration);
builder.Services.AddSingleton<ConfirmedPublisher>();
builder.Services.AddSingleton<Aventora.Ingress.Api.Webhooks.TwilioSignature>();
builder.Services.AddVoiceTwiml(builder.Configuration);
builder.Services.AddBatches(builder.Configuration);
builder.Services.AddEmailPull(builder.Configuration);

var app = builder.Build();
app.UseExceptionHandler();
app.UseAuthentication();
app.UseAuthorization();
app.MapServiceDefaults();
app.MapStartEndpoints();          // POST /start, GET /requests/{id}
app.MapBatchEndpoints();          // POST /batches (CSV), GET /batches/{id}
app.MapDomainAdminEndpoints();    // /admin/domains, their API keys
app.MapEmailPullEndpoints();      // /admin/domains/{name}/email-pull: a domain's mailbox
app.MapVoiceTwimlEndpoints();     // the TwiML Twilio fetches for phone and wvoice calls
await app.RunAsync();

/// <summary>Lets tests host this service in-process.</summary>
public sealed partial class IngressApiEntryPoint;
