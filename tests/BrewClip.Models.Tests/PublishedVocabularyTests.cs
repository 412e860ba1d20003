using System.IO.Compression;
using System.Text.Json;
using BrewClip.Models.Clip;
using BrewClip.Models.Whisper;

namespace BrewClip.Models.Tests;

/// <summary>
/// The tokenizers on the published vocabularies (CLIP's bpe_simple_vocab_16e6, Whisper's multilingual vocab.json and
/// merges.txt), against ids their reference implementations give (fixtures/tokenizers/known_answers.json, written by
/// make_known_answers.py): punctuation, numbers, accents and other scripts, emoji, odd whitespace, over-long input.
/// </summary>
public sealed class PublishedVocabularyTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "tokenizers");
    private static readonly Lazy<ClipTokenizer> Clip = new(LoadClip);
    private static readonly Lazy<WhisperTokenizer> Whisper = new(LoadWhisper);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var answer in Answers())
        {
            data.Add(answer.GetProperty("name").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Clip_gives_the_reference_ids(string name)
    {
        var (text, expected) = Answer(name, "clip");
        var ids = new long[ClipTokenizer.ContextLength];
        var count = Clip.Value.Tokenize(text, ids);
        Assert.Equal(expected, ids[..count].Select(i => (int)i).ToArray());
        Assert.All(ids[count..], id => Assert.Equal(Clip.Value.EndId, id));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Whisper_gives_the_reference_ids_and_decodes_back_to_the_text(string name)
    {
        var (text, expected) = Answer(name, "whisper_multilingual");
        var ids = Whisper.Value.Encode(text);
        Assert.Equal(expected, ids);
        Assert.Equal(text, Whisper.Value.Decode(ids));
    }

    [Fact]
    public void Clip_matches_the_answer_published_with_clip()
    {
        // openai/CLIP's notebook Interacting_with_CLIP prints clip.tokenize("Hello World!") as 49406, 3306, 1002, 256, 49407.
        Assert.Equal([49406, 3306, 1002, 256, 49407], Clip.Value.Encode("Hello World!").Prepend(Clip.Value.StartId).Append(Clip.Value.EndId));
        Assert.Equal((49406, 49407), (Clip.Value.StartId, Clip.Value.EndId));
    }

    [Fact]
    public void Whisper_special_tokens_have_their_published_ids()
    {
        var tokenizer = Whisper.Value;
        Assert.Equal(50257, tokenizer.EndOfText);
        Assert.Equal(99, tokenizer.Languages.Count);
        // <|startoftranscript|> <|en|> <|transcribe|> <|notimestamps|>, the prompt of an English transcription.
        Assert.Equal([50258, 50259, 50359, 50363], tokenizer.Prompt("en"));
        Assert.Equal([50258, 50260, 50358], tokenizer.Prompt("zh", translate: true, timestamps: true));
        Assert.Equal(50364, tokenizer.TimestampBegin);
        Assert.Equal(1.5f, tokenizer.Seconds(50364 + 75));
        Assert.Equal(50362, tokenizer.NoSpeech);
    }

    private static IEnumerable<JsonElement> Answers()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "known_answers.json")));
        return document.RootElement.GetProperty("answers").EnumerateArray().Select(a => a.Clone()).ToList();
    }

    private static (string Text, int[] Ids) Answer(string name, string tokenizer)
    {
        var answer = Answers().Single(a => a.GetProperty("name").GetString() == name);
        return (answer.GetProperty("text").GetString()!, answer.GetProperty(tokenizer).EnumerateArray().Select(i => i.GetInt32()).ToArray());
    }

    /// <summary>
    /// CLIP's vocabulary as its tokenizer builds it from the merges file: the 256 byte characters (printable bytes
    /// first), each again with &lt;/w&gt;, the result of each of the first 48,894 merges, then the two special tokens.
    /// </summary>
    private static ClipTokenizer LoadClip()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(Fixtures, "clip", "bpe_simple_vocab_16e6.txt.gz")), CompressionMode.Decompress));
        var merges = reader.ReadToEnd().Split('\n').Skip(1).Take(49152 - 256 - 2)
            .Select(line => line.Split(' ') is [var left, var right] ? (left, right) : throw new InvalidDataException($"bad merge line '{line}'"))
            .ToList();
        bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        var bytes = Enumerable.Range(0, 256).Where(Printable).Concat(Enumerable.Range(0, 256).Where(b => !Printable(b)));
        var characters = bytes.Select(b => BrewClip.Models.ByteLevelAlphabet.Encode((byte)b).ToString()).ToList();
        var tokens = characters.Concat(characters.Select(c => c + "</w>")).Concat(merges.Select(m => m.left + m.right))
            .Append(ClipTokenizer.StartOfText).Append(ClipTokenizer.EndOfText).ToList();
        Assert.Equal(49408, tokens.Count);
        return new ClipTokenizer(tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i), merges);
    }

    /// <summary>The export's layout (vocab.json, merges.txt, added_tokens.json) in a folder of its own, read as a model folder is.</summary>
    private static WhisperTokenizer LoadWhisper()
    {
        var source = Path.Combine(Fixtures, "whisper-multilingual");
        var folder = Directory.CreateTempSubdirectory("brewclip-whisper-vocab-").FullName;
        try
        {
            foreach (var name in new[] { "vocab.json", "merges.txt" })
            {
                using var input = new GZipStream(File.OpenRead(Path.Combine(source, name + ".gz")), CompressionMode.Decompress);
                using var output = File.Create(Path.Combine(folder, name));
                input.CopyTo(output);
            }
            File.Copy(Path.Combine(source, "added_tokens.json"), Path.Combine(folder, "added_tokens.json"));
            return WhisperTokenizer.FromFolder(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
