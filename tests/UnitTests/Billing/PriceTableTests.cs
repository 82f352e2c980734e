using System.ComponentModel.DataAnnotations;
using Aventora.Billing;
using Aventora.Billing.Usage;

namespace Aventora.UnitTests.Billing;

public sealed class PriceTableTests
{
    private static BillingOptions Options() => new()
    {
        MessageCredits = 3,
        DefaultCallCredits = 10,
        CallPrices = new(StringComparer.OrdinalIgnoreCase) { ["appointment_booking"] = 15, ["survey"] = 20 },
    };

    [Theory]
    [InlineData("sms", "anything", 3)]
    [InlineData("wmsg", "survey", 3)]
    [InlineData("phone", "appointment_booking", 15)]
    [InlineData("wvoice", "survey", 20)]
    [InlineData("phone", " Survey ", 20)]
    [InlineData("wvoice", "not_listed", 10)]
    public void Messages_cost_a_flat_price_and_calls_the_price_of_their_type_or_the_default(string channel, string type, int credits) =>
        Assert.Equal(credits, new PriceTable(Options()).PriceOf(channel, type));

    [Fact]
    public void Options_without_prices_or_with_negative_ones_are_invalid()
    {
        Assert.Empty(Validate(Options()));
        var missing = Validate(new BillingOptions());
        Assert.Contains(missing, e => e.Contains("Billing:MessageCredits"));
        Assert.Contains(missing, e => e.Contains("Billing:DefaultCallCredits"));
        var negative = Options();
        negative.CallPrices["survey"] = -1;
        Assert.Contains(Validate(negative), e => e.Contains("Billing:CallPrices:survey"));
    }

    [Fact]
    public void A_usage_id_is_the_same_for_the_same_act_and_differs_otherwise()
    {
        Assert.Equal(UsageIds.For("SM123", UsageKinds.Message), UsageIds.For("SM123", UsageKinds.Message));
        Assert.NotEqual(UsageIds.For("SM123", UsageKinds.Message), UsageIds.For("SM124", UsageKinds.Message));
        Assert.NotEqual(UsageIds.For("CA123", UsageKinds.Message), UsageIds.For("CA123", UsageKinds.Call));
        Assert.Equal(5, UsageIds.For("CA123", UsageKinds.Call).Version);
    }

    private static List<string> Validate(BillingOptions options) =>
        options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();
}
