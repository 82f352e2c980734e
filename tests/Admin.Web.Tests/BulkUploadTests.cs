using System.Net;
using System.Security.Claims;
using System.Text;
using Aventora.Admin.Web;
using Aventora.Admin.Web.Api;
using Aventora.Admin.Web.Components.Pages;
using Aventora.Admin.Web.Session;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Aventora.Admin.Web.Tests;

/// <summary>
/// The bulk page holds no file: choosing one reads only what the preview shows, and the upload streams it from the browser
/// to Ingress.Api. One browser session can no longer pin a whole file (up to 50 MiB) in the console's memory.
/// </summary>
public sealed class BulkUploadTests : IAsyncLifetime
{
    private const long FileBytes = 20L * 1024 * 1024;
    private readonly BunitContext _ctx = new();
    private readonly CountingIngress _ingress = new();

    public BulkUploadTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
        var auth = _ctx.AddAuthorization();
        auth.SetAuthorized("clinic");
        auth.SetClaims(new Claim(ConsoleSession.ApiKeyClaim, "av_test"), new Claim(ConsoleSession.DomainClaim, "clinic"));
        _ctx.Services.AddScoped<ConsoleSession>();
        _ctx.Services.AddSingleton(Options.Create(new ConsoleOptions()));
        _ctx.Services.AddScoped(sp => new IngressApiClient(new HttpClient(_ingress) { BaseAddress = new Uri("http://ingress.test/") }, sp,
            NullLogger<IngressApiClient>.Instance));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    [Fact]
    public async Task Choosing_a_large_file_reads_only_the_preview_and_the_upload_streams_the_whole_file_to_ingress()
    {
        var file = new LargeCsvFile(FileBytes);
        var page = _ctx.Render<Bulk>();

        await page.InvokeAsync(() => page.FindComponent<InputFile>().Instance.OnChange.InvokeAsync(new InputFileChangeEventArgs([file])));

        Assert.Contains("+14155550123", page.Find("[data-testid=bulk-preview]").TextContent);
        Assert.True(file.BytesRead <= 64 * 1024, $"choosing the file read {file.BytesRead:N0} bytes of it into the console");

        await page.InvokeAsync(() => page.Find("[data-testid=bulk-upload]").Click());
        page.WaitForAssertion(() => Assert.True(_ingress.UploadedBytes > FileBytes, $"Ingress received {_ingress.UploadedBytes:N0} bytes"), TimeSpan.FromSeconds(30));
    }

    /// <summary>A CSV file in the browser: a header and rows, made as they are read, counting what the console reads.</summary>
    private sealed class LargeCsvFile(long size) : IBrowserFile
    {
        public long BytesRead;
        public string Name => "people.csv";
        public DateTimeOffset LastModified => DateTimeOffset.UnixEpoch;
        public long Size => size;
        public string ContentType => "text/csv";

        public Stream OpenReadStream(long maxAllowedSize = 512000, CancellationToken cancellationToken = default) =>
            size > maxAllowedSize ? throw new IOException("too large") : new Generated(this);

        private sealed class Generated(LargeCsvFile file) : Stream
        {
            private static readonly byte[] Header = "phone_number,instruction,call_type\n"u8.ToArray();
            private static readonly byte[] Row = "+14155550123,Your appointment is tomorrow,reminder\n"u8.ToArray();
            private long _position;

            public override int Read(byte[] buffer, int offset, int count)
            {
                var n = (int)Math.Min(count, file.Size - _position);
                for (var i = 0; i < n; i++, _position++)
                    buffer[offset + i] = _position < Header.Length ? Header[_position] : Row[(_position - Header.Length) % Row.Length];
                Interlocked.Add(ref file.BytesRead, n);
                return n;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => file.Size;
            public override long Position { get => _position; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }

    /// <summary>Ingress.Api's POST /batches, counting the bytes it receives; other calls are answered 404.</summary>
    private sealed class CountingIngress : HttpMessageHandler
    {
        public long UploadedBytes;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post || request.RequestUri!.AbsolutePath != "/batches")
                return new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("{\"status\":404,\"title\":\"Not found\"}", Encoding.UTF8, "application/problem+json") };
            var body = await request.Content!.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0) Interlocked.Add(ref UploadedBytes, read);
            return new HttpResponseMessage(HttpStatusCode.Accepted)
            {
                Content = new StringContent($$"""{"batch_id":"b1","batch_uuid":"{{Guid.NewGuid()}}","status":"publishing","accepted_count":1,"published_count":0,"rejected_count":0,"rejected_rows":[],"rejected_rows_truncated":false}""",
                    Encoding.UTF8, "application/json"),
            };
        }
    }
}
