using Microsoft.Extensions.Options;

namespace BrewClip.Search;

/// <summary>At most <see cref="SearchOptions.MaxConcurrentQueries"/> query embeddings at once in this process.</summary>
public sealed class QueryGate(IOptions<SearchOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentQueries, options.Value.MaxConcurrentQueries);

    /// <summary>A held slot (dispose to free it), or null when none came free within <see cref="SearchOptions.QueueSeconds"/>.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken cancellationToken)
        => await _slots.WaitAsync(TimeSpan.FromSeconds(options.Value.QueueSeconds), cancellationToken).ConfigureAwait(false) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
