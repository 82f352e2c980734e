using Aventora.Faults;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.Faults.Setup;

/// <summary>
/// The emulator's create-then-fail rules: every nth create of a message or call is really created and then its answer times out,
/// is dropped, or is a 500. Only POSTs (creations) are faulted, so the reconciler's list reads and fetches get true answers.
/// </summary>
public static class AnswerFaults
{
    public static async Task InstallAsync(EmulatorClient emulator, FaultSettings settings, CancellationToken ct)
    {
        foreach (var resource in new[] { "Messages", "Calls" })
        {
            if (settings.TimeoutEvery > 0)
                await emulator.AddFailureAsync(new FailureRule(Resource: resource, Method: "POST", AfterCreate: "timeout",
                    DelayMs: settings.TimeoutHoldMs, EveryNth: settings.TimeoutEvery), ct);
            if (settings.DropEvery > 0)
                await emulator.AddFailureAsync(new FailureRule(Resource: resource, Method: "POST", AfterCreate: "drop", EveryNth: settings.DropEvery), ct);
            if (settings.ServerErrorEvery > 0)
                await emulator.AddFailureAsync(new FailureRule(Resource: resource, Method: "POST", AfterCreate: "500", EveryNth: settings.ServerErrorEvery), ct);
        }
    }
}
