using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Aventora.Ingress.Api.Problems;

/// <summary>
/// Turns input the endpoints never saw into a problem-details answer instead of an empty 400 or a 500: JSON of the wrong shape
/// or not UTF-8 (naming the field by its JSON path), a body over the limit (413), a wrong content type (415), a query value of
/// the wrong type. Minimal APIs throw these (RouteHandlerOptions.ThrowOnBadRequest) so they all come here. A text longer than
/// its column is the last safety net: every field has its own limit checked first, so reaching it means a limit is missing.
/// </summary>
public sealed partial class BadInputExceptionHandler(IProblemDetailsService problems, ILogger<BadInputExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, errors) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => (400, "The body is not valid JSON of the expected shape.", JsonErrors(json)),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (413, "The body is larger than this endpoint takes (see the README's input limits).", null),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
                (415, $"Send the body as application/json, not '{http.Request.ContentType}'.", null),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read.", ParameterErrors(bad)),
            PostgresException { SqlState: PostgresErrorCodes.StringDataRightTruncation } pg =>
                (400, $"A text field is longer than Aventora stores{Limit(pg.MessageText)}; shorten it (see the README's input limits).", null),
            _ => (0, "", null),
        };
        if (status == 0) return false;
        if (status >= 500) status = 400;
        logger.LogInformation("Refused bad input on {Method} {Path} with {StatusCode} ({ErrorType})", http.Request.Method, http.Request.Path, status, exception.GetType().Name);

        http.Response.StatusCode = status;
        var problem = errors is null
            ? new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title }
            : new HttpValidationProblemDetails(errors) { Status = status, Title = title };
        problem.Extensions["code"] = status switch { 413 => "body_too_large", 415 => "unsupported_media_type", _ => "bad_input" };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The field (from the JSON path) and what is wrong with it, with the position for JSON that does not parse at all.</summary>
    private static Dictionary<string, string[]> JsonErrors(JsonException json)
    {
        var field = FieldOf(json.Path);
        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
        var notUtf8 = json.InnerException is InvalidOperationException or System.Text.DecoderFallbackException
                      || json.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase);
        var sentence = notUtf8 ? $"{field} is not valid UTF-8 text{where}."
            : field == "body" ? $"The body is not a valid JSON object{where}."
            : $"{field} has the wrong JSON type{where}: see the README for each field's type.";
        return new Dictionary<string, string[]> { [field] = [sentence] };
    }

    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length > 100 ? field[..100] : field;
    }

    /// <summary>"Failed to bind parameter "int? page" from "abc"." names the parameter: that is the field.</summary>
    private static Dictionary<string, string[]>? ParameterErrors(BadHttpRequestException bad)
    {
        var match = ParameterPattern().Match(bad.Message);
        if (!match.Success) return null;
        var field = match.Groups["name"].Value;
        return new Dictionary<string, string[]> { [field] = [$"{field} has the wrong type or is missing."] };
    }

    private static string Limit(string message) =>
        LengthPattern().Match(message) is { Success: true } m ? $" (at most {m.Groups["n"].Value} characters)" : "";

    [GeneratedRegex("parameter \"[^\"]*?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")] private static partial Regex ParameterPattern();
    [GeneratedRegex("varying\\((?<n>[0-9]+)\\)")] private static partial Regex LengthPattern();
}
