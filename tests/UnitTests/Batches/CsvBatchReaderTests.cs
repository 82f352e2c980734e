using System.Text;
using Aventora.Ingress.Api.Batches;

namespace Aventora.UnitTests.Batches;

public sealed class CsvBatchReaderTests
{
    private const string Header = "phone_number,name,email,instruction,call_type,channel";

    private static MemoryStream File(string text, bool bom = false) =>
        new([.. (bom ? new byte[] { 0xEF, 0xBB, 0xBF } : []), .. Encoding.UTF8.GetBytes(text)]);

    private static async Task<List<CsvRow>> ReadAsync(string text, bool bom = false, string? defaultChannel = null)
    {
        using var file = File(text, bom);
        Assert.Null(await CsvBatchReader.CheckAsync(file, default));
        file.Position = 0;
        var rows = new List<CsvRow>();
        await foreach (var row in CsvBatchReader.ReadAsync(file, defaultChannel, default)) rows.Add(row);
        return rows;
    }

    private static async Task<BatchRefusal?> CheckAsync(byte[] bytes) => await CsvBatchReader.CheckAsync(new MemoryStream(bytes), default);

    [Fact]
    public async Task A_bom_and_crlf_are_read_and_headers_match_without_case_in_any_order()
    {
        var rows = await ReadAsync("Channel,CALL_TYPE,Phone_Number,Instruction,extra\r\nsms,informational,+14155550123,Hello,x\r\n", bom: true);
        var row = Assert.Single(rows);
        Assert.Equal(2, row.LineNumber);
        Assert.Equal("+14155550123", row.Request.PhoneNumber);
        Assert.Equal("sms", row.Request.Channel);
        Assert.Equal("informational", row.Request.Type);
        Assert.Null(row.Request.Name);
    }

    [Fact]
    public async Task Quoted_fields_keep_commas_quotes_and_line_breaks_and_lines_are_counted_physically()
    {
        var rows = await ReadAsync(Header + "\n" +
            "+14155550123,\"Doe, Jane\",,\"Say \"\"hi\"\"\nthen, on a new line, bye\",informational,wmsg\n" +
            "+14155550124,Sam,,Plain,informational,sms\n");
        Assert.Equal(2, rows.Count);
        Assert.Equal("Doe, Jane", rows[0].Request.Name);
        Assert.Equal("Say \"hi\"\nthen, on a new line, bye", rows[0].Request.Instruction);
        Assert.Equal(2, rows[0].LineNumber);
        Assert.Equal(4, rows[1].LineNumber);
    }

    [Fact]
    public async Task A_missing_channel_column_or_empty_cell_falls_back_to_the_default_channel()
    {
        var rows = await ReadAsync("phone_number,instruction,call_type\n+14155550123,Hi,informational\n", defaultChannel: "wvoice");
        Assert.Equal("wvoice", Assert.Single(rows).Request.Channel);
        rows = await ReadAsync(Header + "\n+14155550123,,,Hi,informational,\n", defaultChannel: "wmsg");
        Assert.Equal("wmsg", Assert.Single(rows).Request.Channel);
    }

    [Fact]
    public async Task A_malformed_row_is_reported_with_its_line_and_the_others_go_on()
    {
        var rows = await ReadAsync(Header + "\n+14155550123,Ann,,Hi,informational,sms\n+14155550124,B\"ob,,Hi,informational,sms\n+14155550125,Cy,,Hi,informational,sms\n");
        Assert.Equal(3, rows.Count);
        Assert.Null(rows[0].Malformed);
        Assert.Equal(3, rows[1].LineNumber);
        Assert.NotNull(rows[1].Malformed);
        Assert.Equal("Cy", rows[2].Request.Name);
    }

    [Fact]
    public async Task A_header_without_a_required_column_refuses_the_file()
    {
        var refusal = await CheckAsync(Encoding.UTF8.GetBytes("phone_number,name,channel\n+14155550123,Ann,sms\n"));
        Assert.Equal(400, refusal!.StatusCode);
        Assert.Equal("missing_column", refusal.Code);
        Assert.Contains("instruction", refusal.Message);
        Assert.Contains("call_type", refusal.Message);
    }

    [Fact]
    public async Task An_empty_file_is_refused()
    {
        Assert.Equal("empty_file", (await CheckAsync([]))!.Code);
        Assert.Equal("empty_file", (await CheckAsync([0xEF, 0xBB, 0xBF]))!.Code);
        Assert.Equal("empty_file", (await CheckAsync(Encoding.UTF8.GetBytes("\n\n")))!.Code);
    }

    [Fact]
    public async Task Binary_or_non_utf8_content_is_not_csv()
    {
        Assert.Equal("not_csv", (await CheckAsync([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]))!.Code);
        Assert.Equal("not_csv", (await CheckAsync(Encoding.UTF8.GetBytes("phone_number,instruction,call_type\n+1\0,a,b\n")))!.Code);
        Assert.Equal("not_csv", (await CheckAsync(Encoding.Latin1.GetBytes("phone_number,instruction,call_type\n+14155550123,Grüße,a\n")))!.Code);
    }

    [Fact]
    public async Task An_unclosed_quote_does_not_swallow_memory()
    {
        var text = new StringBuilder(Header + "\n+14155550123,\"Ann,,Hi,informational,sms\n");
        for (var i = 0; i < 20_000; i++) text.Append("+14155550123,Ann,,Hi there,informational,sms\n");
        var refusal = await CheckAsync(Encoding.UTF8.GetBytes(text.ToString()));
        // Either refused whole, or reported as one malformed row: never read as data.
        if (refusal is null)
        {
            var rows = await ReadAsync(text.ToString());
            Assert.NotNull(Assert.Single(rows).Malformed);
        }
        else Assert.Equal("not_csv", refusal.Code);
    }

    [Fact]
    public void Line_ids_are_name_based_and_stable()
    {
        var batch = Guid.Parse("5b6c5e0e-8d0f-4c61-9a3c-1f5f6f7a8b9c");
        Assert.Equal(NameBasedGuid.ForLine(batch, 7), NameBasedGuid.ForLine(batch, 7));
        Assert.NotEqual(NameBasedGuid.ForLine(batch, 7), NameBasedGuid.ForLine(batch, 8));
        Assert.Equal(5, NameBasedGuid.ForLine(batch, 7).Version);
        // RFC 4122 appendix example: DNS namespace, "www.example.com" (v5).
        Assert.Equal(Guid.Parse("2ed6657d-e927-568b-95e1-2665a8aea6a2"),
            NameBasedGuid.Create(Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com"));
    }
}
