using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>A clock the test sets: every service of a <see cref="ClockedSystemFixture"/> reads time (schedules, quiet hours) from it.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// A whole system of its own (database, vhost, emulator, four services) whose services share one <see cref="ManualClock"/>, so that
/// scheduling and quiet-hours tests drive time instead of sleeping. Its own collection: moving its clock disturbs no other test.
/// </summary>
public sealed class ClockedSystemFixture : SystemFixture
{
    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

[CollectionDefinition(Name)]
public sealed class ClockedSystemCollection : ICollectionFixture<ClockedSystemFixture>
{
    public const string Name = "clocked-system";
}
