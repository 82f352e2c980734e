using Aventora.Admin.Web.Components.Bulk;

namespace Aventora.Admin.Web.Tests;

public sealed class CsvPreviewTests
{
    [Fact]
    public void The_preview_keeps_quoted_commas_and_stops_after_the_first_rows()
    {
        var csv = "\uFEFFphone_number,name,instruction\r\n+14155550123,\"Doe, Jane\",\"Say \"\"hi\"\"\"\r\n+14155550124,John,b\r\n+14155550125,Ann,c\r\n";
        var (header, rows) = CsvPreview.Read(csv, 2);
        Assert.Equal(["phone_number", "name", "instruction"], header);
        Assert.Equal(2, rows.Count);
        Assert.Equal(["+14155550123", "Doe, Jane", "Say \"hi\""], rows[0]);
    }
}
