using System.Text.Json;
using Aventora.Billing;
using Aventora.Domains;
using Aventora.Ingress.Api.Admin;
using Aventora.Ingress.Api.Auth;
using Aventora.Ingress.Api.Billing;
using Aventora.Ingress.Api.Batches;
using Aventora.Ingress.Api.EmailPull;
using Aventora.Ingress.Api.Idempotency;
using Aventora.Ingress.Api.OpenApi;
using Aventora.Ingress.Api.Problems;
using Aventora.Ingress.Api.Publishing;
using Aventora.Ingress.Api.RateLimits;
using Aventora.Ingress.Api.Requests;
using Aventora.Ingress.Api.StatusWebhooks;
using Aventora.Domains.StatusWebhooks;
using Aventora.Ingress.Api.Voice;
using Aventora.Ingress.Api.Webhooks;
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
builder.Services.AddExceptionHandler<BadInputExceptionHandler>(); // bad JSON, wrong types, oversized bodies: problem details, never 500
builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
builder.Services.AddApiKeyAuthentication(builder.Configuration);
builder.Services.AddRateLimits(builder.Configuration); // 429 per source address, or per API key, before any database work
builder.Services.AddDomainMetadata(builder.Configuration);
builder.Services.AddSingleton<ConfirmedPublisher>();
builder.Services.AddSingleton<TwilioSignature>();
builder.Services.AddSingleton<WebhookDependencies>();
builder.Services.AddSingleton<StatusCallbackVerifier>();
builder.Services.AddVoiceTwiml(builder.Configuration);
builder.Services.AddCreditLedger();
builder.Services.AddBatches(builder.Configuration);
builder.Services.AddEmailPull(builder.Configuration);
builder.Services.AddIdempotencyKeys(builder.Configuration);
builder.Services.AddStatusWebhookTargets(builder.Configuration);
builder.Services.AddApiDocument();          // OpenAPI 3.1 at /openapi/v1.json, Scalar at /docs
builder.Services.AddSingleton(TimeProvider.System); // the clock of schedules (send_at, cancelling a held request); tests inject their own

var app = builder.Build();
app.UseExceptionHandler();
app.UseProblemDetailsForEmptyAnswers();
app.UseRateLimits();             // budgets per address (Twilio's webhooks, no key) and per API key: README, "Rate limits"
app.UseRequestLimits();           // body size, and form posts only on Twilio's webhooks
app.UseAuthentication();
app.UseAuthorization();
app.UseIdempotencyKeys();         // Idempotency-Key on POST /start, POST /batches and credit grants
app.MapServiceDefaults();
app.MapApiDocument();
var api = app.MapGroup("").WithApiDocumentDefaults(); // tags and problem answers in the OpenAPI document
api.MapStartEndpoints();          // POST /start, GET /requests/{id}, POST /requests/{id}/cancel
api.MapRequestLogEndpoints();     // GET /requests: the log, filtered and paged; GET /me: whose key this is
api.MapBatchEndpoints();          // POST /batches (CSV), GET /batches/{id}, POST /batches/{id}/pause|resume|cancel
api.MapDomainAdminEndpoints();    // /admin/domains, their API keys
api.MapEmailPullEndpoints();      // /admin/domains/{name}/email-pull: a domain's mailbox
api.MapVoiceTwimlEndpoints();     // the TwiML Twilio fetches for phone and wvoice calls
api.MapInboundMessageEndpoints();  // POST /sms/webhook, POST /whatsapp/webhook
api.MapStatusCallbackEndpoints(); // POST /twilio/status/message and /twilio/status/call: Twilio's delivery reports
api.MapCreditEndpoints();         // credits: grant, balance and ledger (admin; a domain's key for its own)
api.MapStatusWebhookEndpoints();  // /domains/{name}/status-webhook: the URL, its signing secret, the delivery log
await app.RunAsync();

/// <summary>Lets tests host this service in-process.</summary>
public sealed partial class IngressApiEntryPoint;
