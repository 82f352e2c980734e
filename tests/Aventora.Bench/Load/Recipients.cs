using PhoneNumbers;

namespace Aventora.Bench.Load;

/// <summary>
/// A distinct recipient per request, so that what the emulator created can be counted per request. Each phase has an
/// area code of its own (and each phase a domain and Twilio account of its own), so phases never share a number.
/// Numbers are checked with libphonenumber, as Ingress checks them, before any is sent.
/// </summary>
public sealed class Recipients
{
    private const int PerExchange = 10_000;
    private const int FirstExchange = 200; // NXX 200-999: the exchanges North American numbering allows
    public const int Capacity = (1000 - FirstExchange) * PerExchange;

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    private readonly string _areaCode;

    private Recipients(string areaCode) => _areaCode = areaCode;

    public static readonly Recipients Probe = new("310");
    public static readonly Recipients Ingress = new("415");
    public static readonly Recipients EndToEnd = new("650");
    public static readonly Recipients Csv = new("212");
    public static readonly Recipients Flood = new("617");

    /// <summary>The <paramref name="index"/>th number of this phase, in E.164.</summary>
    public string For(int index)
    {
        if (index is < 0 or >= Capacity) throw new ArgumentOutOfRangeException(nameof(index), $"a phase has {Capacity:N0} numbers");
        return $"+1{_areaCode}{FirstExchange + index / PerExchange:D3}{index % PerExchange:D4}";
    }

    /// <summary>Fails before the run if libphonenumber (and so Ingress) would refuse any of the first <paramref name="count"/> numbers.</summary>
    public void EnsureValid(int count)
    {
        if (count > Capacity) throw new BenchConfigurationException($"At most {Capacity:N0} distinct recipients per phase; asked for {count:N0}.");
        // Validity depends on the area code and exchange only: the first and last number of each exchange used stand for it.
        var samples = Enumerable.Range(0, (count + PerExchange - 1) / PerExchange)
            .SelectMany(e => new[] { e * PerExchange, Math.Min(count, (e + 1) * PerExchange) - 1 });
        foreach (var i in samples)
        {
            var number = For(i);
            if (!Util.IsValidNumber(Util.Parse(number, null)))
                throw new BenchConfigurationException($"libphonenumber refuses the generated recipient {number}; Ingress would answer 400.");
        }
    }
}
