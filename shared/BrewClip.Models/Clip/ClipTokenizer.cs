using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BrewClip.Models.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer, read from the model's <c>vocab.json</c> and <c>merges.txt</c>: the
/// text is cleaned (HTML entities, NFC, whitespace collapsed) and lowercased, split by CLIP's pattern,
/// each piece byte-encoded with a <c>&lt;/w&gt;</c> word end and merged by rank. A sequence is
/// <c>&lt;|startoftext|&gt;</c>, at most 75 tokens, <c>&lt;|endoftext|&gt;</c>, padded to 77 with
/// <c>&lt;|endoftext|&gt;</c> as the ONNX export expects (it pools at the first end token).
/// </summary>
public sealed partial class ClipTokenizer
{
    public const int ContextLength = 77;
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    private const string WordEnd = "</w>";

    private readonly Dictionary<string, int> _vocabulary;
    private readonly BytePairMerger _merger;

    public ClipTokenizer(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string Left, string Right)> merges)
    {
        _vocabulary = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        _merger = new BytePairMerger(merges);
        StartId = Id(StartOfText, $"the vocabulary has no {StartOfText}");
        EndId = Id(EndOfText, $"the vocabulary has no {EndOfText}");
    }

    public int StartId { get; }

    public int EndId { get; }

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Reads <c>vocab.json</c> (token → id) and <c>merges.txt</c> (a "#version" line, then "left right" per line).</summary>
    public static ClipTokenizer FromFiles(string vocabularyPath, string mergesPath)
    {
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabularyPath))
            ?? throw new InvalidDataException($"{vocabularyPath} is not a JSON object of token ids.");
        return new ClipTokenizer(vocabulary, BytePairMerger.ReadMerges(mergesPath));
    }

    /// <summary>The BPE token ids of a text, without start, end or padding.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (Match match in Pattern().Matches(Clean(text)))
        {
            foreach (var token in Bpe(match.Value))
            {
                // Every byte-level character is in CLIP's vocabulary; an unknown piece falls back to the unknown token as CLIP's does.
                ids.Add(_vocabulary.TryGetValue(token, out var id) ? id : EndId);
            }
        }
        return ids;
    }

    /// <summary>Writes one 77-token sequence into <paramref name="ids"/>; returns how many are real tokens (not padding).</summary>
    public int Tokenize(string text, Span<long> ids)
    {
        if (ids.Length != ContextLength)
        {
            throw new ArgumentException($"A CLIP sequence is {ContextLength} ids.", nameof(ids));
        }
        var tokens = Encode(text);
        var kept = Math.Min(tokens.Count, ContextLength - 2);
        ids[0] = StartId;
        for (var i = 0; i < kept; i++)
        {
            ids[1 + i] = tokens[i];
        }
        ids[1 + kept] = EndId;
        ids[(2 + kept)..].Fill(EndId);
        return kept + 2;
    }

    /// <summary>CLIP's text cleanup: HTML entities unescaped (twice, as CLIP does), NFC, whitespace collapsed, lowercase.</summary>
    public static string Clean(string text)
    {
        var unescaped = WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)).Normalize(NormalizationForm.FormC);
        return Whitespace().Replace(unescaped, " ").Trim().ToLowerInvariant();
    }

    private string[] Bpe(string piece)
    {
        if (piece is StartOfText or EndOfText)
        {
            return [piece];
        }
        return _merger.Merge(piece, () =>
        {
            var encoded = ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(piece));
            var symbols = new List<string>(encoded.Length);
            for (var i = 0; i < encoded.Length; i++)
            {
                symbols.Add(i == encoded.Length - 1 ? encoded[i] + WordEnd : encoded[i].ToString());
            }
            return symbols;
        });
    }

    private int Id(string token, string error) => _vocabulary.TryGetValue(token, out var id) ? id : throw new InvalidDataException(error);
}
