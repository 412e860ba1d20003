using System.Text.Json;
using BrewClip.Models.Whisper;

namespace BrewClip.Models.Tests;

/// <summary>
/// Known answers on a vocabulary built here. In the byte alphabet a space is 'Ġ' (U+0120); "é" is the
/// UTF-8 bytes C3 A9, written 'Ã' and '©'.
/// </summary>
public sealed class WhisperTokenizerTests
{
    private const int G = 26, Gt = 27, He = 28, Gthe = 29, ATilde = 30, Copyright = 31, Ca = 32, Gca = 33, Gcat = 34;
    private const int EndOfText = 100, StartOfTranscript = 101, English = 102, German = 103, Translate = 104, Transcribe = 105, NoTimestamps = 109;

    private static readonly Dictionary<string, int> Vocabulary = BuildVocabulary();
    private static readonly (string, string)[] Merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("c", "a"), ("Ġ", "ca"), ("Ġca", "t")];
    private static readonly Dictionary<string, int> Specials = new()
    {
        ["<|endoftext|>"] = EndOfText, ["<|startoftranscript|>"] = StartOfTranscript, ["<|en|>"] = English, ["<|de|>"] = German,
        ["<|translate|>"] = Translate, ["<|transcribe|>"] = Transcribe, ["<|startoflm|>"] = 106, ["<|startofprev|>"] = 107,
        ["<|nospeech|>"] = 108, ["<|notimestamps|>"] = NoTimestamps,
    };
    private static readonly WhisperTokenizer Tokenizer = new(Vocabulary, Merges, Specials);

    private static Dictionary<string, int> BuildVocabulary()
    {
        var vocabulary = new Dictionary<string, int>();
        for (var c = 'a'; c <= 'z'; c++)
        {
            vocabulary[c.ToString()] = c - 'a';
        }
        vocabulary["Ġ"] = G;
        vocabulary["Ġt"] = Gt;
        vocabulary["he"] = He;
        vocabulary["Ġthe"] = Gthe;
        vocabulary["Ã"] = ATilde;
        vocabulary["©"] = Copyright;
        vocabulary["ca"] = Ca;
        vocabulary["Ġca"] = Gca;
        vocabulary["Ġcat"] = Gcat;
        return vocabulary;
    }

    [Fact]
    public void Encodes_words_with_their_leading_space()
    {
        // " the" -> Ġ t h e -> Ġt h e -> Ġt he -> Ġthe;  " cat" -> Ġ c a t -> Ġ ca t -> Ġca t -> Ġcat
        Assert.Equal([Gthe, Gcat], Tokenizer.Encode(" the cat"));
        Assert.Equal([Letter('t'), He], Tokenizer.Encode("the"));
    }

    [Fact]
    public void Decoding_inverts_encoding()
    {
        Assert.Equal(" the cat", Tokenizer.Decode(Tokenizer.Encode(" the cat")));
    }

    [Fact]
    public void Special_tokens_are_found_and_timestamps_follow_notimestamps()
    {
        Assert.Equal(StartOfTranscript, Tokenizer.StartOfTranscript);
        Assert.Equal(108, Tokenizer.NoSpeech);
        Assert.Equal(["de", "en"], Tokenizer.Languages.Order());
        Assert.Equal(German, Tokenizer.LanguageToken("de"));
        Assert.Equal("en", Tokenizer.LanguageOf(English));
        Assert.Equal(110, Tokenizer.TimestampBegin);
        Assert.Equal(1.0f, Tokenizer.Seconds(160), 5);
        Assert.Equal(160, Tokenizer.TimestampToken(1.0f));
        Assert.True(Tokenizer.IsTimestamp(1610));
        Assert.False(Tokenizer.IsTimestamp(NoTimestamps));
        Assert.Throws<ArgumentException>(() => Tokenizer.LanguageToken("xx"));
    }

    [Fact]
    public void Prompts_name_language_task_and_timestamps()
    {
        Assert.Equal([StartOfTranscript, English, Transcribe, NoTimestamps], Tokenizer.Prompt("en"));
        Assert.Equal([StartOfTranscript, Translate], Tokenizer.Prompt(null, translate: true, timestamps: true));
    }

    [Fact]
    public void Decoding_skips_special_and_timestamp_tokens()
    {
        Assert.Equal(" the cat", Tokenizer.Decode([StartOfTranscript, English, Transcribe, 110, Gthe, 135, Gcat, 160, EndOfText]));
    }

    [Fact]
    public void A_character_split_across_tokens_is_decoded_whole()
    {
        Assert.Equal("é", Tokenizer.Decode([ATilde, Copyright]));
        var stream = Tokenizer.Stream();
        Assert.Equal(" the", stream.Append(Gthe));
        Assert.Equal("", stream.Append(ATilde));
        Assert.Equal("é", stream.Append(Copyright));
    }

    [Fact]
    public void A_token_missing_from_the_vocabulary_is_an_error()
    {
        // Uppercase letters are not in this vocabulary.
        Assert.Throws<InvalidDataException>(() => Tokenizer.Encode(" Dog"));
    }

    [Fact]
    public void Reads_the_exports_tokenizer_files()
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-whisper-").FullName;
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(Vocabulary));
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n" + string.Join("\n", Merges.Select(m => $"{m.Item1} {m.Item2}")) + "\n");
        File.WriteAllText(Path.Combine(folder, "added_tokens.json"), JsonSerializer.Serialize(Specials));
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), """{"added_tokens": [{"id": 200, "content": "<|0.00|>"}]}""");

        var tokenizer = WhisperTokenizer.FromFolder(folder);

        Assert.Equal([Gthe, Gcat], tokenizer.Encode(" the cat"));
        Assert.Equal(200, tokenizer.TimestampBegin);
        Assert.Equal(Transcribe, tokenizer.Transcribe);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_vocabulary_and_merges_from_tokenizer_json_alone(bool mergesAsPairs)
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-whisper-").FullName;
        object merges = mergesAsPairs ? Merges.Select(m => new[] { m.Item1, m.Item2 }).ToArray() : Merges.Select(m => $"{m.Item1} {m.Item2}").ToArray();
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(new
        {
            model = new { type = "BPE", vocab = Vocabulary, merges },
            added_tokens = Specials.Select(p => new { id = p.Value, content = p.Key }).ToArray(),
        }));

        var tokenizer = WhisperTokenizer.FromFolder(folder);

        Assert.Equal([Gthe, Gcat], tokenizer.Encode(" the cat"));
        Assert.Equal(StartOfTranscript, tokenizer.StartOfTranscript);
    }

    private static int Letter(char c) => c - 'a';
}
