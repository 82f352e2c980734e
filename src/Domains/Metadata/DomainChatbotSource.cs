using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aventora.Domains.Metadata;

/// <summary>
/// <c>get_domain_metadata</c> against the domain-chatbot service: <c>GET {BaseUrl}/domains/{name}/metadata</c>.
/// Unreachable, slow or 5xx is transient; 404 means the domain is unknown.
/// </summary>
public sealed class DomainChatbotSource(HttpClient http) : IDomainMetadataSource
{
    public async Task<DomainMetadata?> GetDomainMetadataAsync(string domainName, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync($"domains/{Uri.EscapeDataString(domainName)}/metadata", cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new DomainSourceUnavailableException($"The domain-chatbot service did not answer for domain '{domainName}': {e.GetType().Name}.", e);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (!response.IsSuccessStatusCode)
            {
                throw new DomainSourceUnavailableException(
                    $"The domain-chatbot service answered {(int)response.StatusCode} for domain '{domainName}'.");
            }

            var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken)
                ?? throw new DomainSourceUnavailableException($"The domain-chatbot service answered an empty body for domain '{domainName}'.");
            return new DomainMetadata { DomainName = domainName, TechnicalJson = ReadTechnicalJson(body["technical_json"]) };
        }
    }

    // technical_json arrives either as an object or as a JSON string holding one.
    private static Dictionary<string, string?> ReadTechnicalJson(JsonNode? node)
    {
        var obj = node switch
        {
            JsonObject o => o,
            JsonValue v when v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) => JsonNode.Parse(text) as JsonObject,
            _ => null,
        };
        return obj?.ToDictionary(p => p.Key, p => p.Value?.GetValueKind() == JsonValueKind.String ? p.Value.GetValue<string>() : p.Value?.ToJsonString())
            ?? [];
    }
}
