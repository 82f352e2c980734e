using System.Text.Json;

namespace Aventora.Admin.Web.Api;

/// <summary>What Ingress.Api refused, read from its problem details: the sentence, and the messages per field it names.</summary>
public sealed record ApiProblem(int Status, string Title, IReadOnlyDictionary<string, string[]> Errors)
{
    public static readonly ApiProblem Unreachable = new(0, "Ingress.Api could not be reached; try again in a moment.", new Dictionary<string, string[]>());

    /// <summary>The API's message for one field (as the API names it, e.g. <c>phone_number</c>), or null.</summary>
    public string? For(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>The messages for fields the screen does not show beside a control, so none is lost.</summary>
    public IEnumerable<string> Except(params string[] shown) =>
        Errors.Where(e => !shown.Contains(e.Key)).SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"));

    public static async Task<ApiProblem> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var fallback = $"Ingress.Api answered {status} {response.ReasonPhrase}.";
        try
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var root = json.RootElement;
            var title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : fallback;
            var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in e.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? field.Value.EnumerateArray().Select(m => m.ToString()).ToArray()
                        : [field.Value.ToString()];
                }
            }
            return new ApiProblem(status, title, errors);
        }
        catch (JsonException)
        {
            return new ApiProblem(status, fallback, new Dictionary<string, string[]>());
        }
    }
}

/// <summary>An answer of Ingress.Api: the value, or the problem it answered instead. Never both, never neither.</summary>
public sealed record ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Ok => Problem is null;

    public static ApiResult<T> Success(T value) => new(value, null);

    public static ApiResult<T> Failure(ApiProblem problem) => new(default, problem);
}
