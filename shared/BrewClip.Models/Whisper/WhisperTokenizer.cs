using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BrewClip.Models.Whisper;

/// <summary>
/// Whisper's tokenizer from the export's files: GPT-2 byte-level BPE (<c>vocab.json</c>, <c>merges.txt</c>)
/// plus the special tokens (<c>added_tokens.json</c>, or the <c>added_tokens</c> of <c>tokenizer.json</c>):
/// <c>&lt;|endoftext|&gt;</c>, <c>&lt;|startoftranscript|&gt;</c>, one token per language, <c>&lt;|translate|&gt;</c>,
/// <c>&lt;|transcribe|&gt;</c>, <c>&lt;|notimestamps|&gt;</c> and the timestamps <c>&lt;|0.00|&gt;</c> to
/// <c>&lt;|30.00|&gt;</c> in steps of 0.02 s (which follow <c>&lt;|notimestamps|&gt;</c> when not listed).
/// </summary>
public sealed partial class WhisperTokenizer
{
    public const float SecondsPerTimestamp = 0.02f;

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<int, string> _tokens;
    private readonly BytePairMerger _merger;
    private readonly Dictionary<string, int> _languages;

    public WhisperTokenizer(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string Left, string Right)> merges, IReadOnlyDictionary<string, int> specialTokens)
    {
        _vocabulary = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        foreach (var (token, id) in specialTokens)
        {
            _vocabulary[token] = id;
        }
        _tokens = _vocabulary.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.First().Key);
        _merger = new BytePairMerger(merges);

        EndOfText = Special("<|endoftext|>");
        StartOfTranscript = Special("<|startoftranscript|>");
        Translate = Special("<|translate|>");
        Transcribe = Special("<|transcribe|>");
        NoTimestamps = Special("<|notimestamps|>");
        NoSpeech = _vocabulary.TryGetValue("<|nospeech|>", out var noSpeech) ? noSpeech
            : _vocabulary.TryGetValue("<|nocaptions|>", out var noCaptions) ? noCaptions : null;
        TimestampBegin = _vocabulary.TryGetValue("<|0.00|>", out var zero) ? zero : NoTimestamps + 1;
        // Language tokens sit between <|startoftranscript|> and <|translate|>, in Whisper's language order.
        _languages = Enumerable.Range(StartOfTranscript + 1, Translate - StartOfTranscript - 1)
            .Where(_tokens.ContainsKey)
            .Select(id => (Code: _tokens[id].Trim('<', '|', '>'), Id: id))
            .ToDictionary(p => p.Code, p => p.Id, StringComparer.Ordinal);
    }

    public int EndOfText { get; }

    public int StartOfTranscript { get; }

    public int Translate { get; }

    public int Transcribe { get; }

    public int NoTimestamps { get; }

    public int? NoSpeech { get; }

    public int TimestampBegin { get; }

    public IReadOnlyCollection<string> Languages => _languages.Keys;

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Pattern();

    /// <summary>
    /// Reads the vocabulary and merges from vocab.json and merges.txt, or else from tokenizer.json's BPE
    /// model, and the special tokens from added_tokens.json and tokenizer.json's added_tokens.
    /// </summary>
    public static WhisperTokenizer FromFolder(string folder)
    {
        var vocabularyPath = Path.Combine(folder, "vocab.json");
        var mergesPath = Path.Combine(folder, "merges.txt");
        var tokenizerJson = Path.Combine(folder, "tokenizer.json");
        using var tokenizer = File.Exists(tokenizerJson) ? JsonDocument.Parse(File.ReadAllText(tokenizerJson)) : null;

        Dictionary<string, int> vocabulary;
        List<(string, string)> merges;
        if (File.Exists(vocabularyPath) && File.Exists(mergesPath))
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabularyPath))
                ?? throw new InvalidDataException($"{vocabularyPath} is not a JSON object of token ids.");
            merges = BytePairMerger.ReadMerges(mergesPath).ToList();
        }
        else if (tokenizer is not null && tokenizer.RootElement.TryGetProperty("model", out var model))
        {
            vocabulary = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            // tokenizer.json writes merges as "left right" strings or, in newer files, as [left, right] pairs.
            merges = model.GetProperty("merges").EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Array
                ? (m[0].GetString()!, m[1].GetString()!)
                : m.GetString()!.Split(' ') is [var left, var right] ? (left, right)
                : throw new InvalidDataException($"{tokenizerJson}: merge '{m}' is not 'left right'.")).ToList();
        }
        else
        {
            throw new ModelMissingException($"{folder} has neither vocab.json with merges.txt nor a tokenizer.json with a BPE model.");
        }

        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        var added = Path.Combine(folder, "added_tokens.json");
        if (File.Exists(added))
        {
            foreach (var (token, id) in JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(added)) ?? [])
            {
                special[token] = id;
            }
        }
        if (tokenizer is not null && tokenizer.RootElement.TryGetProperty("added_tokens", out var tokens))
        {
            foreach (var token in tokens.EnumerateArray())
            {
                special[token.GetProperty("content").GetString()!] = token.GetProperty("id").GetInt32();
            }
        }
        return new WhisperTokenizer(vocabulary, merges, special);
    }

    public int LanguageToken(string code) => _languages.TryGetValue(code, out var id)
        ? id
        : throw new ArgumentException($"Whisper has no language '{code}'; it knows {string.Join(", ", _languages.Keys)}.", nameof(code));

    public string? LanguageOf(int token) => _languages.FirstOrDefault(p => p.Value == token).Key;

    public bool IsTimestamp(int token) => token >= TimestampBegin;

    public float Seconds(int timestampToken) => (timestampToken - TimestampBegin) * SecondsPerTimestamp;

    public int TimestampToken(float seconds) => TimestampBegin + (int)MathF.Round(seconds / SecondsPerTimestamp);

    /// <summary>The start of a transcription prompt: SOT, the language (when known), the task, and no-timestamps unless asked for.</summary>
    public int[] Prompt(string? language, bool translate = false, bool timestamps = false)
    {
        var prompt = new List<int> { StartOfTranscript };
        if (language is not null)
        {
            prompt.Add(LanguageToken(language));
        }
        prompt.Add(translate ? Translate : Transcribe);
        if (!timestamps)
        {
            prompt.Add(NoTimestamps);
        }
        return prompt.ToArray();
    }

    /// <summary>The BPE token ids of plain text (special tokens are not recognised in it).</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (Match match in Pattern().Matches(text))
        {
            var piece = match.Value;
            foreach (var token in _merger.Merge(piece, () => ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(piece)).Select(c => c.ToString()).ToList()))
            {
                ids.Add(_vocabulary.TryGetValue(token, out var id)
                    ? id
                    : throw new InvalidDataException($"The BPE token '{token}' is not in Whisper's vocabulary; the tokenizer files do not match."));
            }
        }
        return ids;
    }

    /// <summary>Text of the tokens (special and timestamp tokens skipped), decoded as UTF-8 across token boundaries.</summary>
    public string Decode(IEnumerable<int> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            AppendBytes(token, bytes);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>A decoder for tokens arriving one at a time: it emits text only once a character's bytes are complete.</summary>
    public StreamingDecoder Stream() => new(this);

    internal void AppendBytes(int token, List<byte> bytes)
    {
        if (token >= EndOfText || !_tokens.TryGetValue(token, out var text))
        {
            return;
        }
        ByteLevelAlphabet.Decode(text, bytes);
    }

    private int Special(string token) => _vocabulary.TryGetValue(token, out var id)
        ? id
        : throw new InvalidDataException($"Whisper's tokenizer files lack the special token {token}.");

    public sealed class StreamingDecoder(WhisperTokenizer tokenizer)
    {
        private readonly List<byte> _pending = [];

        /// <summary>Adds a token; returns the text it completes (empty while a character is still partial).</summary>
        public string Append(int token)
        {
            tokenizer.AppendBytes(token, _pending);
            var complete = CompletePrefix(_pending);
            if (complete == 0)
            {
                return "";
            }
            var text = Encoding.UTF8.GetString(_pending.GetRange(0, complete).ToArray());
            _pending.RemoveRange(0, complete);
            return text;
        }

        /// <summary>How many leading bytes form whole UTF-8 characters (a trailing incomplete sequence is held back).</summary>
        private static int CompletePrefix(List<byte> bytes)
        {
            var end = bytes.Count;
            // Look back at most 3 bytes for the lead byte of a sequence that is not finished yet.
            for (var back = 1; back <= Math.Min(3, end); back++)
            {
                var b = bytes[end - back];
                if ((b & 0xC0) == 0x80)
                {
                    continue; // continuation byte
                }
                var needed = (b & 0x80) == 0 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
                return back < needed ? end - back : end;
            }
            return end;
        }
    }
}
