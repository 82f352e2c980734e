using System.Text;

namespace Aventora.Admin.Web.Components.Bulk;

/// <summary>The first rows of a CSV file, split for a preview table (quoted fields with commas and doubled quotes are kept whole).</summary>
public static class CsvPreview
{
    /// <summary>How much of a chosen file the preview reads: enough for the header and five rows of any sensible file.</summary>
    public const int MaxPreviewBytes = 64 * 1024;

    /// <summary>The file's first <paramref name="maxBytes"/> as text; when the file goes on, the cut line at the end is dropped.</summary>
    public static async Task<string> ReadStartAsync(Stream file, int maxBytes)
    {
        var buffer = new byte[maxBytes];
        var length = 0;
        int read;
        while (length < maxBytes && (read = await file.ReadAsync(buffer.AsMemory(length, maxBytes - length))) > 0) length += read;
        var text = Encoding.UTF8.GetString(buffer, 0, length);
        return length < maxBytes || text.LastIndexOf('\n') is not (> 0 and var end) ? text : text[..end];
    }

    public static (IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) Read(string text, int maxRows)
    {
        var lines = text.TrimStart('\uFEFF').Replace("\r\n", "\n").Split('\n').Where(l => l.Length > 0).Take(maxRows + 1).Select(Split).ToList();
        return lines.Count == 0 ? ([], []) : (lines[0], lines.Skip(1).ToList());
    }

    private static IReadOnlyList<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
