using System.Collections.Concurrent;

namespace BrewClip.Models;

/// <summary>
/// The BPE merge loop shared by CLIP's and Whisper's tokenizers: within one pre-tokenized piece, the
/// adjacent pair with the lowest merge rank is merged everywhere it occurs, until no ranked pair is left.
/// Results are cached per piece.
/// </summary>
public sealed class BytePairMerger(IEnumerable<(string Left, string Right)> merges)
{
    private readonly Dictionary<(string, string), int> _ranks = merges.Select((m, rank) => (m, rank)).ToDictionary(p => p.m, p => p.rank);
    private readonly ConcurrentDictionary<string, string[]> _cache = new(StringComparer.Ordinal);

    /// <summary>Merges a piece already split into its initial symbols; <paramref name="key"/> identifies it in the cache.</summary>
    public string[] Merge(string key, Func<List<string>> initialSymbols) => _cache.GetOrAdd(key, _ =>
    {
        var word = initialSymbols();
        while (word.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i < word.Count - 1; i++)
            {
                if (_ranks.TryGetValue((word[i], word[i + 1]), out var rank) && rank < bestRank)
                {
                    (best, bestRank) = (i, rank);
                }
            }
            if (best < 0)
            {
                break;
            }
            var (left, right) = (word[best], word[best + 1]);
            var merged = new List<string>(word.Count);
            for (var i = 0; i < word.Count; i++)
            {
                if (i < word.Count - 1 && word[i] == left && word[i + 1] == right)
                {
                    merged.Add(left + right);
                    i++;
                }
                else
                {
                    merged.Add(word[i]);
                }
            }
            word = merged;
        }
        return word.ToArray();
    });

    /// <summary>Reads merges.txt: an optional "#version" line, then "left right" per line.</summary>
    public static IEnumerable<(string Left, string Right)> ReadMerges(string path) => File.ReadLines(path)
        .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
        .Select((line, i) =>
        {
            var parts = line.Split(' ');
            return parts.Length == 2 ? (parts[0], parts[1]) : throw new InvalidDataException($"{path}: merge {i + 1} is not 'left right': '{line}'.");
        });
}
