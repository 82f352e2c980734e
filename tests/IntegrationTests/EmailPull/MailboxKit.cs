using System.Net.Http.Json;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.EmailPull;

/// <summary>
/// A domain's mailbox on the run's Dovecot, in a folder of its own, removed again when the test is done: every poller of the
/// run polls every configured mailbox, so one left behind (say with a wrong password) would slow later tests' pollers.
/// </summary>
public sealed class TestMailbox(SystemFixture system, ImapTestServer imap, string domain, string key, string folder) : IAsyncDisposable
{
    public string Domain => domain;
    public string Key => key;
    public string Folder => folder;
    public ImapTestServer Imap => imap;
    public string Url => $"/admin/domains/{domain}/email-pull";

    public static async Task<TestMailbox> CreateAsync(
        SystemFixture system, ImapTestServer imap, string domain, string key, string defaultChannel, string defaultType = "informational")
    {
        var folder = await imap.CreateFolderAsync("t-" + Guid.NewGuid().ToString("N")[..12]);
        using var http = system.Ingress.CreateHttpClient(key);
        var put = await http.PutAsJsonAsync($"/admin/domains/{domain}/email-pull", new
        {
            imap_host = imap.Host, imap_port = imap.Port, tls_mode = "none", username = imap.Username, password = imap.Password,
            folder, default_channel = defaultChannel, default_type = defaultType, poll_interval_seconds = 5,
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return new TestMailbox(system, imap, domain, key, folder);
    }

    public Task AppendAsync(params MimeKit.MimeMessage[] mails) => imap.AppendAsync(folder, mails);

    public async ValueTask DisposeAsync()
    {
        using var http = system.Ingress.CreateHttpClient(SystemFixture.AdminKey);
        await http.DeleteAsync(Url);
    }
}

/// <summary>An Ingress host of a test's own with the mailbox poller on (the shared one has EmailPull:Enabled=false), to stop and start.</summary>
public static class EmailPoller
{
    public static async Task<ServiceHost<IngressApiEntryPoint>> StartAsync(SystemFixture system, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(system.Settings)
        {
            ["EmailPull:Enabled"] = "true",
            ["EmailPull:Tick"] = "00:00:00.200",
            // Its own drop folder (none): only the shared host watches the fixture's.
            ["Batches:DropFolder"] = "",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        var host = new ServiceHost<IngressApiEntryPoint>(FreePort.Next(), settings, system.Logs);
        await Task.Run(host.StartServer);
        return host;
    }
}
