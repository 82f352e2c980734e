namespace Aventora.TwilioEmulator.Tests.Support;

/// <summary>A fresh person per test, so tests sharing an emulator never see each other's traffic.</summary>
public static class Numbers
{
    private static int _next = 1000000;

    public const string Business = "+14445550100";

    public static string Person() => "+1555" + Interlocked.Increment(ref _next).ToString("D7");
}
