using System.Text.Json.Nodes;
using Aventora.Conversations.Assistant;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Conversations;

/// <summary>A language model behind the same assistant interface, against a stand-in OpenAI-compatible server.</summary>
public sealed class LanguageModelAssistantTests : IAsyncLifetime
{
    private WebApplication _model = null!;
    private readonly List<(string? Authorization, JsonObject Body)> _received = [];
    private string _answer = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _model = builder.Build();
        _model.MapPost("/v1/chat/completions", async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            lock (_received) _received.Add((request.Headers.Authorization.ToString(), body));
            return Results.Json(new
            {
                id = "chatcmpl-1", @object = "chat.completion", created = 1_700_000_000, model = body["model"]!.GetValue<string>(),
                choices = new[] { new { index = 0, message = new { role = "assistant", content = _answer }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 10, completion_tokens = 5, total_tokens = 15 },
            });
        });
        await _model.StartAsync();
    }

    private IAssistant Assistant() => new ServiceCollection()
        .AddAssistant(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Assistant:Provider"] = "openai", ["Assistant:Endpoint"] = _model.Urls.First() + "/v1",
            ["Assistant:Model"] = "stand-in-model", ["Assistant:ApiKey"] = "sk-test-key",
        }).Build())
        .BuildServiceProvider().GetRequiredService<IAssistant>();

    [Fact]
    public async Task The_model_gets_the_brief_and_the_transcript_and_its_answer_is_the_reply()
    {
        var brief = new ConversationBrief("acme", "sms", "appointment_booking", "Book a haircut for Friday", "Robin");
        _answer = "Hi Robin, shall I book your haircut for Friday?";
        var opening = await Assistant().OpenAsync(brief, default);
        Assert.Equal(_answer, opening.Text);
        Assert.False(opening.EndsConversation);

        _answer = "Done, see you Friday! [END]";
        var reply = await Assistant().ReplyAsync(brief, [new Turn(Speakers.Assistant, opening.Text), new Turn(Speakers.Person, "yes please")], default);
        Assert.Equal("Done, see you Friday!", reply.Text);
        Assert.True(reply.EndsConversation);

        var (authorization, body) = _received[^1];
        Assert.Equal("Bearer sk-test-key", authorization);
        Assert.Equal("stand-in-model", body["model"]!.GetValue<string>());
        var messages = body["messages"]!.AsArray();
        Assert.Contains("Book a haircut for Friday", messages[0]!["content"]!.ToJsonString());
        Assert.Contains("yes please", messages[^1]!["content"]!.ToJsonString());
    }

    [Fact]
    public void A_language_model_without_endpoint_or_key_is_refused_at_startup()
    {
        var services = new ServiceCollection().AddAssistant(new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["Assistant:Provider"] = "openai" }).Build()).BuildServiceProvider();
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetRequiredService<IAssistant>());
        Assert.Contains("Assistant:Endpoint", error.Message);
        Assert.Contains("Assistant:ApiKey", error.Message);
    }

    public async Task DisposeAsync() => await _model.DisposeAsync();
}
