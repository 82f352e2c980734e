namespace Aventora.TwilioEmulator.Wire;

/// <summary>Twilio's REST error body: {"code","message","more_info","status"}; the SDK turns it into an ApiException.</summary>
internal static class TwilioError
{
    public static IResult Result(int status, int code, string message) =>
        Results.Json(Body(status, code, message), statusCode: status);

    public static Dictionary<string, object?> Body(int status, int code, string message) => new()
    {
        ["code"] = code,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
        ["status"] = status,
    };

    public static IResult Unauthorized() => Result(StatusCodes.Status401Unauthorized, 20003, "Authenticate");

    public static IResult NotFound(string path) =>
        Result(StatusCodes.Status404NotFound, 20404, $"The requested resource {path} was not found");

    public static IResult BadRequest(int code, string message) => Result(StatusCodes.Status400BadRequest, code, message);
}
