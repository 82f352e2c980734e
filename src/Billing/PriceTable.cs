using Aventora.Contracts;
using Microsoft.Extensions.Options;

namespace Aventora.Billing;

/// <summary>What a request costs, from <see cref="BillingOptions"/>: a flat price per message, a price per call type for calls.</summary>
public sealed class PriceTable
{
    private readonly int _message;
    private readonly int _defaultCall;
    private readonly Dictionary<string, int> _calls;

    public PriceTable(BillingOptions options)
    {
        _message = options.MessageCredits ?? throw new ArgumentException("Billing:MessageCredits is not configured.", nameof(options));
        _defaultCall = options.DefaultCallCredits ?? throw new ArgumentException("Billing:DefaultCallCredits is not configured.", nameof(options));
        _calls = options.CallPrices.ToDictionary(p => Normalize(p.Key), p => p.Value);
    }

    public PriceTable(IOptions<BillingOptions> options) : this(options.Value) { }

    public static bool IsCall(string channel) => channel is Channels.Phone or Channels.WhatsAppVoice;

    /// <summary>Credits a request of this channel and type costs when it is sent (a message) or connects (a call).</summary>
    public int PriceOf(string channel, string type) => IsCall(channel)
        ? _calls.TryGetValue(Normalize(type), out var credits) ? credits : _defaultCall
        : _message;

    private static string Normalize(string type) => type.Trim().ToLowerInvariant();
}
