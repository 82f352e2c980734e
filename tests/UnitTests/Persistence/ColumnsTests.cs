using Aventora.Persistence;
using Aventora.Persistence.CallLogs;

namespace Aventora.UnitTests.Persistence;

/// <summary>Reads name their columns from the row record, as Dapper maps them back.</summary>
public sealed class ColumnsTests
{
    [Fact]
    public void A_records_columns_are_its_settable_properties_in_snake_case_without_the_computed_ones()
    {
        var columns = Columns.Of<CallLog>("c").Split(", ");
        Assert.Contains("c.id", columns);
        Assert.Contains("c.twilio_sid", columns);
        Assert.Contains("c.attempt_account_sid", columns);
        Assert.Contains("c.answered_by", columns);
        Assert.DoesNotContain(columns, c => c.Contains("of_deleted_domain")); // computed by the query, not a column
        Assert.All(columns, c => Assert.Matches("^c\\.[a-z_]+$", c));
    }

    [Theory]
    [InlineData("Id", "id")]
    [InlineData("DomainId", "domain_id")]
    [InlineData("PollIntervalSeconds", "poll_interval_seconds")]
    public void Names_map_to_snake_case(string property, string column) => Assert.Equal(column, Columns.SnakeCase(property));
}
