using BrewClip.Models.Clip;

namespace BrewClip.Models.Tests;

/// <summary>
/// Known answers on a vocabulary built here, so every expected id is worked out by hand:
/// ids 0-25 are "a".."z", 26-51 are "a&lt;/w&gt;".."z&lt;/w&gt;", then the merges' results and punctuation.
/// </summary>
public sealed class ClipTokenizerTests
{
    private static readonly ClipTokenizer Tokenizer = Build();

    private static int Letter(char c) => c - 'a';

    private static int LetterEnd(char c) => 26 + (c - 'a');

    private const int He = 52, Ll = 53, Hell = 54, Hello = 55, Comma = 56, Bang = 57, Start = 58, End = 59;
    private const int APrime = 60, SEnd = 61, CapitalATilde = 62, CopyrightEnd = 63, ApostropheS = 64, Digit1 = 65;

    private static ClipTokenizer Build()
    {
        var vocabulary = new Dictionary<string, int>();
        for (var c = 'a'; c <= 'z'; c++)
        {
            vocabulary[c.ToString()] = Letter(c);
            vocabulary[c + "</w>"] = LetterEnd(c);
        }
        vocabulary["he"] = He;
        vocabulary["ll"] = Ll;
        vocabulary["hell"] = Hell;
        vocabulary["hello</w>"] = Hello;
        vocabulary[",</w>"] = Comma;
        vocabulary["!</w>"] = Bang;
        vocabulary["<|startoftext|>"] = Start;
        vocabulary["<|endoftext|>"] = End;
        vocabulary["'"] = APrime;
        vocabulary["s</w>"] = SEnd;
        // "é" is UTF-8 C3 A9; the byte alphabet writes those bytes as 'Ã' and '©'.
        vocabulary["Ã"] = CapitalATilde;
        vocabulary["©</w>"] = CopyrightEnd;
        vocabulary["'s</w>"] = ApostropheS;
        vocabulary["1</w>"] = Digit1;
        (string, string)[] merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o</w>"), ("'", "s</w>")];
        return new ClipTokenizer(vocabulary, merges);
    }

    [Fact]
    public void Merges_apply_by_rank_and_words_end_with_a_marker()
    {
        // h e l l o</w> -> he l l o</w> -> he ll o</w> -> hell o</w> -> hello</w>
        Assert.Equal([Hello], Tokenizer.Encode("hello"));
        // No merge applies inside "leh": l e h</w>
        Assert.Equal([Letter('l'), Letter('e'), LetterEnd('h')], Tokenizer.Encode("leh"));
    }

    [Fact]
    public void Text_is_lowercased_and_split_into_words_and_punctuation()
    {
        Assert.Equal([Hello, Comma, Letter('w'), Letter('o'), Letter('r'), Letter('l'), LetterEnd('d'), Bang],
            Tokenizer.Encode("  Hello,\n\tWORLD!  "));
    }

    [Fact]
    public void Contractions_and_digits_split_as_clip_does()
    {
        // "it's" -> "it", "'s"; each digit is a piece of its own.
        Assert.Equal([Letter('i'), LetterEnd('t'), ApostropheS, Digit1, Digit1], Tokenizer.Encode("it's 11"));
    }

    [Fact]
    public void Non_ascii_text_is_byte_encoded()
    {
        Assert.Equal([Letter('c'), Letter('a'), Letter('f'), CapitalATilde, CopyrightEnd], Tokenizer.Encode("café"));
        // NFD input (e + combining accent) is normalised to the same bytes.
        Assert.Equal(Tokenizer.Encode("café"), Tokenizer.Encode("cafe\u0301"));
    }

    [Fact]
    public void Html_entities_are_unescaped()
    {
        Assert.Equal(Tokenizer.Encode("hello!"), Tokenizer.Encode("hello&amp;#33;"));
    }

    [Fact]
    public void Special_tokens_in_text_keep_their_ids()
    {
        Assert.Equal([Start, Hello, End], Tokenizer.Encode("<|startoftext|>hello<|endoftext|>"));
    }

    [Fact]
    public void A_sequence_is_start_tokens_end_then_end_tokens_as_padding()
    {
        var ids = new long[77];
        var length = Tokenizer.Tokenize("Hello!", ids);
        Assert.Equal(4, length);
        Assert.Equal([Start, Hello, Bang, End], ids[..4]);
        Assert.All(ids[4..], id => Assert.Equal(End, id));
    }

    [Fact]
    public void Long_text_is_truncated_keeping_the_end_token()
    {
        var ids = new long[77];
        var length = Tokenizer.Tokenize(string.Join(' ', Enumerable.Repeat("hello", 200)), ids);
        Assert.Equal(77, length);
        Assert.Equal(Start, ids[0]);
        Assert.All(ids[1..76], id => Assert.Equal(Hello, id));
        Assert.Equal(End, ids[76]);
    }

    [Fact]
    public void Reads_vocab_json_and_merges_txt()
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-tokenizer-").FullName;
        File.WriteAllText(Path.Combine(folder, "vocab.json"), """{"h": 0, "e": 1, "he</w>": 2, "e</w>": 3, "<|startoftext|>": 4, "<|endoftext|>": 5}""");
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\nh e</w>\n");
        var tokenizer = ClipTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));
        Assert.Equal([2], tokenizer.Encode("he"));
        Assert.Equal(4, tokenizer.StartId);
        Assert.Equal(5, tokenizer.EndId);
    }
}
