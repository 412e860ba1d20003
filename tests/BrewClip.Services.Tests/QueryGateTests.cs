using BrewClip.Search;
using Microsoft.Extensions.Options;

namespace BrewClip.Services.Tests;

public sealed class QueryGateTests
{
    private static QueryGate Gate(int slots, int queueSeconds)
        => new(Options.Create(new SearchOptions { MaxConcurrentQueries = slots, QueueSeconds = queueSeconds }));

    [Fact]
    public async Task No_more_than_the_slots_are_held_and_a_freed_slot_goes_to_the_next_query()
    {
        using var gate = Gate(slots: 2, queueSeconds: 0);
        using var first = await gate.EnterAsync(CancellationToken.None);
        var second = await gate.EnterAsync(CancellationToken.None);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(await gate.EnterAsync(CancellationToken.None));
        second!.Dispose();
        second.Dispose(); // a second dispose frees nothing more
        using var third = await gate.EnterAsync(CancellationToken.None);
        Assert.NotNull(third);
        Assert.Null(await gate.EnterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_waiting_query_gets_the_slot_freed_while_it_waits()
    {
        using var gate = Gate(slots: 1, queueSeconds: 60);
        var held = await gate.EnterAsync(CancellationToken.None);
        var waiting = gate.EnterAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        held!.Dispose();
        using var slot = await waiting;
        Assert.NotNull(slot);
    }

    [Fact]
    public async Task A_query_whose_client_left_stops_waiting()
    {
        using var gate = Gate(slots: 1, queueSeconds: 60);
        using var held = await gate.EnterAsync(CancellationToken.None);
        using var gone = new CancellationTokenSource();
        var waiting = gate.EnterAsync(gone.Token);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
