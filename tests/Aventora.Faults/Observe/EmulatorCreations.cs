using System.Web;
using Aventora.TwilioEmulator.Inspection;

namespace Aventora.Faults.Observe;

/// <summary>A message or call the emulator really created, whatever its client was told.</summary>
public sealed record Creation(
    string Sid, bool IsCall, Guid? RequestId, string To, string Status, int? Duration, string? AnswerFault, int? ErrorCode = null)
{
    /// <summary>
    /// A call Twilio completed with an application error (11xxx/12xxx: its TwiML could not be fetched or run): Aventora records
    /// it failed with that error and does not bill it as connected (issue 11, defect 5).
    /// </summary>
    public bool IsApplicationError => IsCall && Status == "completed" && ErrorCode is >= 11000 and < 13000;

    /// <summary>The status Aventora is expected to hold for it.</summary>
    public string ExpectedStatus => IsApplicationError ? "failed" : Status;

    /// <summary>The emulator's lifecycle is over: a call ended, or a message reached the last step it will take.</summary>
    public bool IsSettled => IsCall
        ? Status is "completed" or "busy" or "no-answer" or "failed" or "canceled"
        : Status is "delivered" or "read" or "undelivered" or "failed" or "canceled";
}

/// <summary>Every creation for one Twilio account, read in pages from the emulator's inspection API.</summary>
public static class EmulatorCreations
{
    public static async Task<IReadOnlyList<Creation>> ReadAsync(EmulatorClient emulator, string accountSid, CancellationToken ct)
    {
        var creations = new List<Creation>();
        await foreach (var m in emulator.StreamMessagesAsync(pageSize: 2000, ct: ct))
            if (m.AccountSid == accountSid)
                creations.Add(new Creation(m.Sid, false, RequestIdOf(m.StatusCallback), Bare(m.To), m.Status, null, m.AnswerFault));
        await foreach (var c in emulator.StreamCallsAsync(pageSize: 2000, ct: ct))
            if (c.AccountSid == accountSid)
                creations.Add(new Creation(c.Sid, true, RequestIdOf(c.StatusCallback), Bare(c.To), c.Status, c.Duration, c.AnswerFault, c.ErrorCode));
        return creations;
    }

    // Aventora's status callbacks name their request: /twilio/status/message?channel=..&domain=..&request_id=<guid>.
    private static Guid? RequestIdOf(string? statusCallback)
    {
        if (statusCallback is null || !Uri.TryCreate(statusCallback, UriKind.Absolute, out var uri)) return null;
        return Guid.TryParse(HttpUtility.ParseQueryString(uri.Query)["request_id"], out var id) ? id : null;
    }

    private static string Bare(string address) => address.StartsWith("whatsapp:", StringComparison.Ordinal) ? address["whatsapp:".Length..] : address;
}
