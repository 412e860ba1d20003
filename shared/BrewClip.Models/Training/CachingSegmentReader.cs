using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>
/// Keeps recently read segments in memory up to a budget (least recently used first out): an epoch reads
/// every training segment once, so a training set that fits is read from disk only in the first epoch.
/// </summary>
public sealed class CachingSegmentReader(ISegmentReader inner, long budgetBytes) : ISegmentReader
{
    private readonly Dictionary<SegmentFeatures, LinkedListNode<(SegmentFeatures Key, AudioHeadInput Value, long Bytes)>> _entries = new(ReferenceEqualityComparer.Instance);
    private readonly LinkedList<(SegmentFeatures Key, AudioHeadInput Value, long Bytes)> _order = new();
    private readonly Lock _lock = new();
    private long _bytes;

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    public AudioHeadInput Read(SegmentFeatures segment)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(segment, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                Hits++;
                return node.Value.Value;
            }
        }
        var value = inner.Read(segment);
        var bytes = 4L * (value.TokenStates.Size + value.WhisperStates.Size + value.TextEmbeds.Length);
        lock (_lock)
        {
            Misses++;
            if (bytes > budgetBytes || _entries.ContainsKey(segment))
            {
                return value;
            }
            _entries[segment] = _order.AddFirst((segment, value, bytes));
            _bytes += bytes;
            while (_bytes > budgetBytes && _order.Last is { } last)
            {
                _order.RemoveLast();
                _entries.Remove(last.Value.Key);
                _bytes -= last.Value.Bytes;
            }
        }
        return value;
    }
}
