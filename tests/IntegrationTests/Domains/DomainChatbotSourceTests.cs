using Aventora.Domains;
using Aventora.Domains.Credentials;
using Aventora.Domains.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Domains;

/// <summary><c>get_domain_metadata</c> against a domain-chatbot service: here a small HTTP server the test starts.</summary>
public sealed class DomainChatbotSourceTests : IAsyncLifetime
{
    private WebApplication _chatbot = null!;
    private int _calls;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _chatbot = builder.Build();
        _chatbot.MapGet("/domains/{name}/metadata", (string name) =>
        {
            Interlocked.Increment(ref _calls);
            return name switch
            {
                // technical_json as the chatbot keeps it: a JSON string
                "acme" => Results.Json(new { domain_name = "acme", technical_json = """{"twilio_account_sid":"ACacme","twilio_auth_token":"acme-token","twilio_sms_number":"+14155550301"}""" }),
                "globex" => Results.Json(new { domain_name = "globex", technical_json = new { twilio_phone_account_sid = "ACglobex", twilio_phone_auth_token = "globex-token", twilio_phone_number = "+14155550302" } }),
                "broken" => Results.StatusCode(503),
                _ => Results.NotFound(),
            };
        });
        await _chatbot.StartAsync();
    }

    private TwilioConfigProvider Provider(string baseUrl)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DomainMetadata:Source"] = "chatbot", ["DomainMetadata:ChatbotBaseUrl"] = baseUrl, ["DomainMetadata:ChatbotTimeout"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddSingleton(new Npgsql.NpgsqlDataSourceBuilder("Host=unused").Build()); // the table source is not asked
        services.AddSingleton<Aventora.Persistence.Domains.DomainRepository>();
        services.AddDomainMetadata(configuration);
        return services.BuildServiceProvider().GetRequiredService<TwilioConfigProvider>();
    }

    [Fact]
    public async Task Credentials_come_from_the_chatbots_metadata_whichever_way_it_writes_technical_json()
    {
        var provider = Provider(_chatbot.Urls.First());
        var acme = await provider.GetTwilioConfigAsync("acme", "sms", default);
        Assert.Equal(("ACacme", "acme-token", "+14155550301"), (acme.Config!.AccountSid, acme.Config.AuthToken, acme.Config.FromNumber));
        var globex = await provider.GetTwilioConfigAsync("globex", "phone", default);
        Assert.Equal(("ACglobex", "+14155550302"), (globex.Config!.AccountSid, globex.Config.FromNumber));
    }

    [Fact]
    public async Task Metadata_is_cached_briefly()
    {
        var provider = Provider(_chatbot.Urls.First());
        await provider.GetTwilioConfigAsync("acme", "sms", default);
        var before = _calls;
        await provider.GetTwilioConfigAsync("acme", "sms", default);
        Assert.Equal(before, _calls);
    }

    [Fact]
    public async Task An_unknown_domain_is_a_permanent_failure()
    {
        var result = await Provider(_chatbot.Urls.First()).GetTwilioConfigAsync("nobody", "sms", default);
        Assert.Equal(TwilioConfigProvider.UnknownDomain, result.FailureCode);
        Assert.Contains("nobody", result.FailureReason);
    }

    [Fact]
    public async Task A_failing_or_unreachable_service_is_transient()
    {
        await Assert.ThrowsAsync<DomainSourceUnavailableException>(() => Provider(_chatbot.Urls.First()).GetTwilioConfigAsync("broken", "sms", default));
        var closed = $"http://127.0.0.1:{Infrastructure.FreePort.Next()}";
        await Assert.ThrowsAsync<DomainSourceUnavailableException>(() => Provider(closed).GetTwilioConfigAsync("acme", "sms", default));
    }

    public async Task DisposeAsync() => await _chatbot.DisposeAsync();
}
