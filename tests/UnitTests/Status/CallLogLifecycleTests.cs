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

    [Fact]
    public void The_update_guard_lists_exactly_the_statuses_below()
    {
        Assert.Equal(["received", "routed", "sending", "unconfirmed", "accepted", "scheduled", "queued", "initiated", "ringing"],
            CallLogLifecycle.Before("in-progress"));
        Assert.Empty(CallLogLifecycle.Before("not-a-status"));
        Assert.DoesNotContain("completed", CallLogLifecycle.Before("failed"));
    }

    [Theory]
    [InlineData("30003", "unreachable")]
    [InlineData("30005", "unknown destination")]
    [InlineData("30006", "landline or unreachable carrier")]
    [InlineData("30007", "carrier filtered")]
    [InlineData("63016", "free-form WhatsApp message outside the 24-hour window: send a content template")]
    [InlineData("21610", "unsubscribed")]
    public void Common_delivery_errors_read_as_reasons(string code, string reason)
    {
        Assert.Contains(reason, TwilioDeliveryErrors.Describe("undelivered", code));
        Assert.Equal($"twilio_{code}", TwilioDeliveryErrors.Code(code));
    }
}
