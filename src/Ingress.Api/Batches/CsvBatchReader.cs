using System.Runtime.CompilerServices;
using System.Text;
using Aventora.Ingress.Api.Requests;
using CsvHelper;

namespace Aventora.Ingress.Api.Batches;

/// <summary>One data row of a batch file, read into the same shape as a <c>POST /start</c> body.</summary>
public sealed record CsvRow(int LineNumber, StartRequest Request, string? Malformed);

/// <summary>Why a whole file is refused (nothing of it is published).</summary>
public sealed record BatchRefusal(int StatusCode, string Code, string Message);

/// <summary>
/// Reads batch files row by row (never the whole file): UTF-8 with or without BOM, CRLF or LF, RFC 4180 quoting (commas,
/// quotes and line breaks inside quotes). Columns <c>phone_number,name,email,instruction,call_type,channel</c>, header
/// names case-insensitive and in any order, extra columns ignored; <c>phone_number</c>, <c>instruction</c> and
/// <c>call_type</c> are required columns, the others may be missing. Line numbers are the physical line a row starts on.
/// </summary>
public static class CsvBatchReader
{
    public static readonly IReadOnlyList<string> RequiredColumns = ["phone_number", "instruction", "call_type"];
    public static readonly IReadOnlyList<string> Columns = ["phone_number", "name", "email", "instruction", "call_type", "channel"];
    /// <summary>Optional columns beyond the seed's: <c>send_at</c> (ISO 8601 with offset) schedules the row.</summary>
    public static readonly IReadOnlyList<string> OptionalColumns = ["send_at"];

    /// <summary>Is this a CSV file Aventora can take? Reads it through once, holding one row at a time.</summary>
    public static Task<BatchRefusal?> CheckAsync(Stream file, CancellationToken cancellationToken) => CheckAsync(file, null, null, cancellationToken);

    /// <summary>
    /// Is this a CSV file Aventora can take? Reads it through once, holding one row at a time, and hands each row to
    /// <paramref name="onRow"/> (to validate it in the same pass); a refusal can come after some rows were handed over.
    /// </summary>
    public static async Task<BatchRefusal?> CheckAsync(Stream file, string? defaultChannel, Action<CsvRow>? onRow, CancellationToken cancellationToken)
    {
        var start = file.Position;
        if (await CheckTextAsync(file, cancellationToken) is { } notText) return notText;
        file.Position = start;
        try
        {
            await foreach (var row in ReadAsync(file, defaultChannel, cancellationToken)) onRow?.Invoke(row);
            return null;
        }
        catch (BatchFileException e) { return e.Refusal; }
        catch (CsvFormatException e)
        {
            return new BatchRefusal(400, "not_csv", $"The file could not be read as CSV (record {e.RecordNumber}): {e.Message}");
        }
    }

    /// <summary>UTF-8 text without NUL characters: binary files (images, spreadsheets, archives) stop here.</summary>
    private static async Task<BatchRefusal?> CheckTextAsync(Stream file, CancellationToken cancellationToken)
    {
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        var bytes = new byte[64 * 1024];
        var chars = new char[bytes.Length + 4];
        long total = 0;
        int read;
        try
        {
            while ((read = await file.ReadAsync(bytes, cancellationToken)) > 0)
            {
                var offset = total == 0 && read >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
                total += read;
                var count = decoder.GetChars(bytes, offset, read - offset, chars, 0, flush: false);
                if (chars.AsSpan(0, count).Contains('\0'))
                    return new BatchRefusal(400, "not_csv", "The file holds binary data, so it is not a CSV file. Save it as CSV (UTF-8).");
            }
            decoder.GetChars([], 0, 0, chars, 0, flush: true);
        }
        catch (DecoderFallbackException)
        {
            return new BatchRefusal(400, "not_csv", "The file is not UTF-8 text, so not a CSV file. Save it as CSV (UTF-8).");
        }
        return total == 0 ? Empty : null;
    }

    private static readonly BatchRefusal Empty =
        new(400, "empty_file", $"The file is empty: it needs a header row with {string.Join(",", Columns)} and a row per request.");

    /// <summary>The rows, one at a time; a header without a required column, or a file that is not CSV, throws <see cref="BatchFileException"/>.</summary>
    public static async IAsyncEnumerable<CsvRow> ReadAsync(Stream file, string? defaultChannel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var malformed = new Queue<(long Line, CsvMalformedReason Reason)>();
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = true,
            AllowLineBreaksInQuotes = true,
            SkipEmptyLines = true,
            TrimWhitespace = false,
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
            MaxRecordSize = MaxRecordBytes,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            OnMalformedRecord = record => malformed.Enqueue((record.LineNumber, record.Reason)),
            DetectSeparatorHint = false,
            PoolStrings = false,
        };
        await using var csv = CsvReader.Create(file, options, leaveOpen: true);

        try { await csv.ReadHeaderAsync(cancellationToken); }
        catch (CsvFormatException e) { throw NotCsv(e); }
        var header = csv.Headers;
        if (header.Count == 0 || header.All(string.IsNullOrWhiteSpace)) throw new BatchFileException(Empty);
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++) index.TryAdd(header[i].Trim().TrimStart('\uFEFF'), i);
        var missing = RequiredColumns.Where(c => !index.ContainsKey(c)).ToArray();
        if (missing.Length > 0)
        {
            throw new BatchFileException(new BatchRefusal(400, "missing_column",
                $"The header row lacks the required column(s) {string.Join(", ", missing)}; the columns are {string.Join(",", Columns)} " +
                "(channel, name and email may be left out)."));
        }
        int? Column(string name) => index.TryGetValue(name, out var i) ? i : null;
        var (phone, name, email, instruction, type, channel) =
            (Column("phone_number")!.Value, Column("name"), Column("email"), Column("instruction")!.Value, Column("call_type")!.Value, Column("channel"));
        var sendAt = Column("send_at"); // optional: when the row is to go (ISO 8601 with offset)

        while (true)
        {
            bool more;
            try { more = await csv.ReadAsync(cancellationToken); }
            catch (CsvFormatException e) { throw NotCsv(e); }
            while (malformed.TryDequeue(out var bad))
            {
                yield return new CsvRow((int)bad.Line, new StartRequest(), $"the row's quoting is malformed ({Describe(bad.Reason)}).");
            }
            if (!more) yield break;
            string? Field(int? i) => i is { } at && at < csv.FieldCount ? csv.GetString(at) : null;
            var rowChannel = Field(channel);
            yield return new CsvRow((int)csv.LineNumber, new StartRequest
            {
                PhoneNumber = Field(phone),
                Name = Field(name),
                Email = Field(email),
                Instruction = Field(instruction),
                Type = Field(type),
                Channel = string.IsNullOrWhiteSpace(rowChannel) ? defaultChannel : rowChannel,
                SendAt = Field(sendAt),
            }, null);
        }
    }

    /// <summary>The longest row read: a longer one is almost surely an unclosed quote swallowing the file.</summary>
    public const int MaxRecordBytes = 256 * 1024;

    private static BatchFileException NotCsv(CsvFormatException e) => new(new BatchRefusal(400, "not_csv",
        $"The file could not be read as CSV near line {e.LineNumber} ({e.Message}); a row over {MaxRecordBytes / 1024} KiB is most likely an unclosed quote."));

    private static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted field",
        CsvMalformedReason.TextAfterClosingQuote => "text after a closing quote",
        CsvMalformedReason.UnterminatedQuote => "a quote that is never closed",
        _ => reason.ToString(),
    };
}

/// <summary>The file as a whole cannot be taken.</summary>
public sealed class BatchFileException(BatchRefusal refusal) : Exception(refusal.Message)
{
    public BatchRefusal Refusal { get; } = refusal;
}
