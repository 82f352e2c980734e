using System.Net;
using Aventora.IntegrationTests.Infrastructure;
using Aventora.Ingress.Api.Webhooks;

namespace Aventora.IntegrationTests.Status;

/// <summary>Status callbacks as Twilio sends them, posted straight to Ingress (signed with a token, forged, or unsigned).</summary>
public static class TwilioCallbacks
{
    public static Dictionary<string, string> MessageForm(this SystemFixture system, string sid, string status, string? errorCode = null)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = sid, ["SmsSid"] = sid, ["AccountSid"] = system.EnvironmentAccount.Sid,
            ["MessageStatus"] = status, ["SmsStatus"] = status, ["ApiVersion"] = "2010-04-01",
        };
        if (errorCode is not null) form["ErrorCode"] = errorCode;
        return form;
    }

    /// <summary>
    /// Posts a callback to <paramref name="pathAndQuery"/>, signed with <paramref name="signedWith"/> (unsigned when null) over
    /// <paramref name="signedUrl"/> (the same URL unless a test forges one).
    /// </summary>
    public static async Task<HttpStatusCode> PostCallbackAsync(
        this SystemFixture system, HttpClient http, string pathAndQuery, Dictionary<string, string> form, string? signedWith, string? signedUrl = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        if (signedWith is not null)
            request.Headers.Add(TwilioSignature.Header,
                TwilioSignature.Compute(signedWith, system.Settings["Ingress:PublicBaseUrl"] + (signedUrl ?? pathAndQuery), form));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
