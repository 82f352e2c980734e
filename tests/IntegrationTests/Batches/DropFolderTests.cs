using System.Text;
using System.Text.Json.Nodes;
using Aventora.IntegrationTests.Infrastructure;

namespace Aventora.IntegrationTests.Batches;

/// <summary>CSV files dropped into Batches:DropFolder/{domain}/ are taken in like uploads and moved aside with a result file.</summary>
[Collection(SystemCollection.Name)]
public sealed class DropFolderTests(SystemFixture system)
{
    private async Task<string> DomainFolderAsync()
    {
        var account = await system.NewAccountAsync();
        var domain = Api.NewDomainName("drop");
        await system.CreateDomainAsync(domain, new Dictionary<string, string>
        {
            ["twilio_account_sid"] = account.Sid, ["twilio_auth_token"] = account.Token,
            ["twilio_sms_number"] = SystemFixture.UniqueNumber(), ["twilio_phone_number"] = SystemFixture.UniqueNumber(), ["twilio_whatsapp_number"] = SystemFixture.UniqueNumber(),
        });
        return Directory.CreateDirectory(Path.Combine(system.DropFolder, domain)).FullName;
    }

    /// <summary>Written as .tmp then renamed, as the README asks of writers.</summary>
    private static async Task DropAsync(string folder, string name, string content)
    {
        var temporary = Path.Combine(folder, name + ".tmp");
        await File.WriteAllTextAsync(temporary, content, new UTF8Encoding(true));
        File.Move(temporary, Path.Combine(folder, name));
    }

    [Fact]
    public async Task A_dropped_file_is_published_and_moved_to_processed_with_its_result()
    {
        var folder = await DomainFolderAsync();
        var (sms, call) = (SystemFixture.UniqueNumber(), SystemFixture.UniqueNumber());
        await DropAsync(folder, "people.csv",
            $"phone_number,name,email,instruction,call_type,channel\r\n{sms},Ann,,Hello from a file,informational,sms\r\n" +
            $"{call},Bo,,Call from a file,appointment_booking,wvoice\r\nnot-a-number,Cy,,Bad,informational,sms\r\n");

        var result = await Eventually.Get(async () =>
        {
            var path = Path.Combine(folder, "processed", "people.csv.result.json");
            return File.Exists(path) ? JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject() : null;
        }, _ => true, "the dropped file to be processed");
        Assert.Equal(2, result["accepted_count"]!.GetValue<int>());
        Assert.Equal(1, result["rejected_count"]!.GetValue<int>());
        Assert.Equal(4, result["rejected_rows"]![0]!["line_number"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(folder, "processed", "people.csv")));
        Assert.False(File.Exists(Path.Combine(folder, "people.csv")));

        Assert.Equal("Messages", (await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(sms)).SingleOrDefault(), _ => true, "the sms")).Resource);
        var placed = await Eventually.Get(async () => (await system.Emulator.GetRequestsAsync(call)).SingleOrDefault(), _ => true, "the wvoice call");
        Assert.Equal("whatsapp:" + call, placed.Form["To"]);
    }

    [Fact]
    public async Task A_dropped_file_that_cannot_be_taken_goes_to_failed_with_the_reason()
    {
        var folder = await DomainFolderAsync();
        var to = SystemFixture.UniqueNumber();
        await DropAsync(folder, "broken.csv", $"phone_number,name\n{to},Ann\n");
        var result = await Eventually.Get(async () =>
        {
            var path = Path.Combine(folder, "failed", "broken.csv.result.json");
            return File.Exists(path) ? JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject() : null;
        }, _ => true, "the dropped file to fail");
        Assert.Equal("missing_column", result.Str("code"));
        Assert.Contains("instruction", result.Str("reason"));
        Assert.True(File.Exists(Path.Combine(folder, "failed", "broken.csv")));
        Assert.Empty(await system.Emulator.GetRequestsAsync(to));
    }
}
