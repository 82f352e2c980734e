using Aventora.TwilioEmulator.Accounts;
using Aventora.TwilioEmulator.Callbacks;
using Aventora.TwilioEmulator.Calls;
using Aventora.TwilioEmulator.Failures;
using Aventora.TwilioEmulator.Inspection;
using Aventora.TwilioEmulator.Messages;
using Aventora.TwilioEmulator.People;
using Aventora.TwilioEmulator.Rest;
using Aventora.TwilioEmulator.Wire;

namespace Aventora.TwilioEmulator;

/// <summary>
/// Table of contents of the emulator. Twilio's REST surface (Messages, Calls) sits behind the RestGate
/// (auth, scripted failures, recording); /_emulator/... is the admin API tests and developers drive it with.
/// </summary>
public static class EmulatorApp
{
    /// <summary>Builds the app from args and configuration (so --urls http://127.0.0.1:0 and --Emulator:... work).</summary>
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.ConfigureHttpJsonOptions(o => EmulatorJson.Configure(o.SerializerOptions));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EmulatorTiming>();
        builder.Services.AddSingleton<BackgroundJobs>();
        builder.Services.AddSingleton<WebhookSender>();
        // Accounts, recording and failure injection
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton<EmulatorStatistics>();
        builder.Services.AddSingleton<FailureStore>();
        // The emulated world
        builder.Services.AddSingleton<PeopleScripts>();
        builder.Services.AddSingleton<InboundMessages>();
        builder.Services.AddSingleton<MessageStore>();
        builder.Services.AddSingleton<MessageDelivery>();
        builder.Services.AddSingleton<CallStore>();
        builder.Services.AddSingleton<CallProgress>();
        builder.Services.AddSingleton<TwimlWalker>();
        builder.Services.AddSingleton<MediaStreamPlayer>();

        var app = builder.Build();
        app.UseMiddleware<RestGate>();
        app.MapMessages();
        app.MapCalls();
        app.MapAccountAdmin();
        app.MapInspection();
        app.MapFailureAdmin();
        app.MapPeopleAdmin();
        // Anything else under Twilio's API root answers like Twilio does for an unknown resource.
        app.MapFallback("/2010-04-01/{**rest}", (HttpContext context) => TwilioError.NotFound(context.Request.Path));
        return app;
    }
}
