using BrewClip.Models.Whisper;
using BrewClip.Onnx;

namespace BrewClip.Models.Tests;

/// <summary>Timestamp rules and segment parsing, on a tokenizer whose timestamps start at 110.</summary>
public sealed class WhisperTimestampTests
{
    private const int Begin = 110, EndOfText = 100, NoTimestamps = 109, Vocabulary = 200;
    private static readonly WhisperTokenizer Tokenizer = new(
        Enumerable.Range(0, 26).ToDictionary(i => ((char)('a' + i)).ToString(), i => i),
        [],
        new Dictionary<string, int>
        {
            ["<|endoftext|>"] = EndOfText, ["<|startoftranscript|>"] = 101, ["<|en|>"] = 102, ["<|translate|>"] = 104,
            ["<|transcribe|>"] = 105, ["<|notimestamps|>"] = NoTimestamps,
        });

    private static int Ts(double seconds) => Begin + (int)Math.Round(seconds / 0.02);

    private static float[] Flat() => new float[Vocabulary];

    [Fact]
    public void The_first_token_is_a_timestamp_of_at_most_one_second()
    {
        var logits = Flat();
        TimestampRules.Apply(logits, [], Tokenizer);
        Assert.All(logits[..Begin], l => Assert.Equal(float.NegativeInfinity, l));
        Assert.True(float.IsFinite(logits[Ts(1.0)]));
        Assert.Equal(float.NegativeInfinity, logits[Ts(1.0) + 1]);
    }

    [Fact]
    public void Text_never_follows_a_single_timestamp_and_two_timestamps_are_followed_by_text_or_the_end()
    {
        var afterClosing = Flat();
        afterClosing[EndOfText] = 10f; // likely enough to survive the probability rule
        TimestampRules.Apply(afterClosing, [Ts(0), 3, 4, Ts(0.5)], Tokenizer);
        Assert.All(afterClosing[..EndOfText], l => Assert.Equal(float.NegativeInfinity, l));
        Assert.True(float.IsFinite(afterClosing[EndOfText]));
        Assert.True(float.IsFinite(afterClosing[Ts(0.5)]), "a segment may start where the last ended");

        var afterPair = Flat();
        TimestampRules.Apply(afterPair, [Ts(0), 3, Ts(0.5), Ts(0.5)], Tokenizer);
        Assert.All(afterPair[Begin..], l => Assert.Equal(float.NegativeInfinity, l));
        Assert.True(float.IsFinite(afterPair[3]));
    }

    [Fact]
    public void Timestamps_never_go_backwards()
    {
        var logits = Flat();
        TimestampRules.Apply(logits, [Ts(0), 3, Ts(0.5), Ts(0.5), 4], Tokenizer);
        Assert.Equal(float.NegativeInfinity, logits[Ts(0.4)]);
        Assert.Equal(float.NegativeInfinity, logits[Ts(0.5)]);
        Assert.True(float.IsFinite(logits[Ts(0.52)]));
        Assert.Equal(float.NegativeInfinity, logits[NoTimestamps]);
    }

    [Fact]
    public void When_timestamps_together_outweigh_the_best_text_token_a_timestamp_is_chosen()
    {
        var logits = Flat();
        logits[5] = 2f; // the likeliest single token is text, but 90 timestamps at 0 add up to more
        TimestampRules.Apply(logits, [Ts(0), 3], Tokenizer);
        Assert.All(logits[..Begin], l => Assert.Equal(float.NegativeInfinity, l));

        var confident = Flat();
        confident[5] = 10f;
        TimestampRules.Apply(confident, [Ts(0), 3], Tokenizer);
        Assert.Equal(10f, confident[5]);
    }

    [Fact]
    public void Segments_are_cut_at_timestamp_pairs_and_a_single_final_timestamp_closes_the_last()
    {
        Assert.Equal([new WhisperSegment(0, 2, "ab"), new WhisperSegment(2, 4, "c")],
            TimedTranscript.Parse([Ts(0), 0, 1, Ts(2), Ts(2), 2, Ts(4)], Tokenizer, 30));
    }

    [Fact]
    public void An_unfinished_last_segment_ends_with_the_window()
    {
        Assert.Equal([new WhisperSegment(0, 2, "a"), new WhisperSegment(2, 30, "bc")],
            TimedTranscript.Parse([Ts(0), 0, Ts(2), Ts(2), 1, 2], Tokenizer, 30));
        // A short last window: nothing reaches past its audio, even a timestamp the decoder put beyond it.
        Assert.Equal([new WhisperSegment(0, 7.5, "a"), new WhisperSegment(7.5, 7.5, "b")],
            TimedTranscript.Parse([Ts(0), 0, Ts(9), Ts(9), 1], Tokenizer, 7.5));
    }

    [Fact]
    public void Tokens_without_timestamp_pairs_are_one_segment()
    {
        Assert.Equal([new WhisperSegment(0, 30, "ab")], TimedTranscript.Parse([0, 1], Tokenizer, 30));
        Assert.Equal([new WhisperSegment(0, 1.5, "ab")], TimedTranscript.Parse([Ts(0), 0, 1, Ts(1.5)], Tokenizer, 30));
    }

    [Fact]
    public void Text_after_a_closing_timestamp_starts_where_the_last_segment_ended_and_empty_segments_are_dropped()
    {
        // "b" has no opening timestamp; the pair 4,5 holds no text; the end-of-text token is neither text nor time.
        Assert.Equal([new WhisperSegment(1, 2, "a"), new WhisperSegment(2, 3, "b"), new WhisperSegment(5, 6, "c")],
            TimedTranscript.Parse([Ts(1), 0, Ts(2), 1, Ts(3), Ts(4), Ts(5), 2, Ts(6), EndOfText], Tokenizer, 30));
    }

    [Fact]
    public void Decoding_with_timestamps_on_the_fixture_obeys_the_rules()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "fixtures", "models", "whisper-base");
        using var model = new WhisperModel(OnnxEnvironment.Shared(), folder);
        var states = model.Encode(new float[80 * 3000]);
        var tokens = model.Decode(states, new WhisperDecodeOptions { Language = "en", Timestamps = true }).Tokens;

        Assert.True(model.Tokenizer.IsTimestamp(tokens[0]), "the first token is a timestamp");
        var last = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (model.Tokenizer.IsTimestamp(tokens[i]))
            {
                Assert.True(tokens[i] >= last, $"timestamp {tokens[i]} after {last}");
                last = tokens[i];
            }
        }
        Assert.DoesNotContain(model.Tokenizer.NoTimestamps, tokens);
    }
}
