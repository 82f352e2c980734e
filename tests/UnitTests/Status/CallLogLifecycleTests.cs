using Aventora.Persistence.CallLogs;
using Aventora.TwilioGateway;

namespace Aventora.UnitTests.Status;

public sealed class CallLogLifecycleTests
{
    [Theory]
    [InlineData("queued", "sent")]
    [InlineData("sent", "delivered")]
    [InlineData("delivered", "read")]
    [InlineData("queued", "delivered")]
    [InlineData("sent", "undelivered")]
    [InlineData("sending", "failed")]
    [InlineData("queued", "initiated", false)]
    [InlineData("initiated", "ringing")]
    [InlineData("ringing", "in-progress")]
    [InlineData("in-progress", "completed")]
    [InlineData("ringing", "busy")]
    [InlineData("queued", "no-answer")]
    public void Statuses_move_forwards(string from, string to, bool moves = true) =>
        Assert.Equal(moves, CallLogLifecycle.MayMove(from, to));

    [Theory]
    [InlineData("delivered", "sent")]
    [InlineData("read", "delivered")]
    [InlineData("delivered", "queued")]
    [InlineData("completed", "in-progress")]
    [InlineData("completed", "ringing")]
    [InlineData("busy", "completed")]
    [InlineData("failed", "delivered")]
    [InlineData("undelivered", "read")]
    [InlineData("insufficient_credits", "queued")]
    [InlineData("delivered", "delivered")]
    [InlineData("opted_out", "queued")]
    public void Statuses_never_move_backwards_sideways_or_out_of_a_final_one(string from, string to) =>
        Assert.False(CallLogLifecycle.MayMove(from, to));

    /// <summary>Every status a request can hold: Aventora's own, and what Twilio reports for messages and calls.</summary>
    private static readonly string[] Known =
    [
        .. new[] { "received", "routed", "sending", "unconfirmed", "failed", "insufficient_credits", "opted_out" },
        .. CallLogLifecycle.MessageStatuses, .. CallLogLifecycle.CallStatuses,
    ];

    public static TheoryData<string> KnownStatuses() => new(Known.Distinct());

    [Theory]
    [MemberData(nameof(KnownStatuses))]
    public void The_update_guard_of_a_status_is_exactly_the_statuses_that_may_move_to_it(string to)
    {
        // The SQL guard (status = ANY(Before(x))) and the rule (MayMove) must agree, or an UPDATE would allow what the rule forbids.
        var mayMove = Known.Distinct().Where(from => CallLogLifecycle.MayMove(from, to)).Order();
        Assert.Equal(mayMove, CallLogLifecycle.Before(to).Order());
        Assert.DoesNotContain(CallLogLifecycle.Before(to), CallLogLifecycle.FinalStatuses.Contains);
    }

    [Fact]
    public void A_call_in_progress_may_be_reached_from_each_step_Twilio_documents_before_it_and_an_unknown_status_from_none()
    {
        foreach (var before in new[] { "received", "queued", "initiated", "ringing" }) Assert.Contains(before, CallLogLifecycle.Before("in-progress"));
        foreach (var after in new[] { "in-progress", "completed", "busy", "failed" }) Assert.DoesNotContain(after, CallLogLifecycle.Before("in-progress"));
        Assert.Empty(CallLogLifecycle.Before("not-a-status"));
    }

    [Theory]
    [InlineData("30003", "unreachable")]
    [InlineData("30005", "unknown destination")]
    [InlineData("30006", "landline or unreachable carrier")]
    [InlineData("30007", "carrier filtered")]
    [InlineData("63016", "24-hour")]
    [InlineData("63016", "template")]
    [InlineData("21610", "unsubscribed")]
    public void Common_delivery_errors_read_as_reasons(string code, string reason)
    {
        Assert.Contains(reason, TwilioDeliveryErrors.Describe("undelivered", code));
        Assert.Equal($"twilio_{code}", TwilioDeliveryErrors.Code(code));
    }
}
