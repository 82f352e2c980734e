using Aventora.Persistence.StatusWebhooks;

namespace Aventora.UnitTests.StatusWebhooks;

/// <summary>A status webhook printed (a log line, an exception message) never shows its signing secret.</summary>
public sealed class StatusWebhookSecretTests
{
    [Fact]
    public void Printing_a_webhook_hides_its_signing_secret()
    {
        var webhook = new StatusWebhook("clinic", "https://crm.example.com/events", "whsec_topsecret123", DateTime.UtcNow, DateTime.UtcNow, DateTime.UtcNow);
        Assert.DoesNotContain("whsec_topsecret123", webhook.ToString());
        Assert.DoesNotContain("whsec_topsecret123", $"{webhook}");
        Assert.Contains("https://crm.example.com/events", webhook.ToString());
    }
}
