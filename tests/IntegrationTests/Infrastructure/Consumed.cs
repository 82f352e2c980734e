using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Aventora.IntegrationTests.Infrastructure;

/// <summary>
/// Watches one service's bus for messages of type <typeparamref name="T"/> its consumers have finished with (consumed or
/// faulted): the observable end of a delivery, for tests that must know a redelivery was handled before they look at its
/// (absent) effects. Connect it before publishing; dispose it when done.
/// </summary>
public sealed class Consumed<T> : IConsumeMessageObserver<T>, IDisposable where T : class
{
    private readonly Func<ConsumeContext<T>, bool> _match;
    private readonly ConnectHandle _handle;
    private readonly ConcurrentQueue<(T Message, Exception? Fault)> _done = new();

    private Consumed(IServiceProvider services, Func<ConsumeContext<T>, bool> match)
    {
        _match = match;
        _handle = services.GetRequiredService<IBus>().ConnectConsumeMessageObserver(this);
    }

    /// <summary>Starts watching the bus of <paramref name="host"/> for matching messages.</summary>
    public static Consumed<T> On<TEntryPoint>(ServiceHost<TEntryPoint> host, Func<ConsumeContext<T>, bool> match) where TEntryPoint : class => new(host.Services, match);

    /// <summary>Waits until <paramref name="count"/> matching deliveries were handled; fails if one faulted.</summary>
    public async Task<IReadOnlyList<T>> TimesAsync(int count, TimeSpan? within = null)
    {
        var done = await Eventually.Get(() => Task.FromResult<List<(T, Exception?)>?>(_done.ToList()), d => d.Count >= count,
            $"{count} {typeof(T).Name} deliveries to be handled", within);
        Assert.All(done, d => Assert.Null(d.Item2));
        return done.Select(d => d.Item1).ToList();
    }

    public Task PreConsume(ConsumeContext<T> context) => Task.CompletedTask;

    public Task PostConsume(ConsumeContext<T> context)
    {
        if (_match(context)) _done.Enqueue((context.Message, null));
        return Task.CompletedTask;
    }

    public Task ConsumeFault(ConsumeContext<T> context, Exception exception)
    {
        if (_match(context)) _done.Enqueue((context.Message, exception));
        return Task.CompletedTask;
    }

    public void Dispose() => _handle.Disconnect();
}
