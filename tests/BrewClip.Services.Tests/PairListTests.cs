using BrewClip.Ingest;

namespace BrewClip.Services.Tests;

public sealed class PairListTests
{
    [Fact]
    public void Rows_become_keys_under_the_folder_that_holds_the_list_and_a_naming_first_row_is_a_header()
    {
        var result = PairList.Parse("audio,image\ntalk.wav,photo.png\nsub/a.wav , pics\\b.png\n", "trip");
        Assert.Empty(result.Problems);
        Assert.Equal([("trip/talk.wav", "trip/photo.png"), ("trip/sub/a.wav", "trip/pics/b.png")], result.Pairs);
    }

    [Theory]
    [InlineData("audio_key,image_key")]
    [InlineData("AUDIO,Image")]
    public void Either_spelling_of_the_header_in_any_case_is_skipped(string header)
    {
        var result = PairList.Parse($"{header}\r\nx.wav,y.png\r\n", "");
        Assert.Equal([("x.wav", "y.png")], result.Pairs);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void A_header_is_only_a_header_on_the_first_row()
    {
        var result = PairList.Parse("x.wav,y.png\naudio,image\n", "");
        Assert.Equal([("x.wav", "y.png"), ("audio", "image")], result.Pairs);
    }

    [Fact]
    public void Quoted_fields_may_hold_commas_and_doubled_quotes_and_a_byte_order_mark_is_ignored()
    {
        var result = PairList.Parse("\uFEFF\"a, b.wav\",\"say \"\"cheese\"\".png\"\n", "");
        Assert.Empty(result.Problems);
        Assert.Equal([("a, b.wav", "say \"cheese\".png")], result.Pairs);
    }

    [Fact]
    public void A_leading_slash_in_a_row_is_relative_to_the_list_and_the_root_list_has_no_prefix()
    {
        Assert.Equal([("a.wav", "b.png")], PairList.Parse("/a.wav,/b.png", "").Pairs);
        Assert.Equal([("f/a.wav", "f/b.png")], PairList.Parse("/a.wav,/b.png", "f").Pairs);
    }

    [Fact]
    public void Bad_rows_are_reported_by_line_and_the_good_ones_kept()
    {
        var result = PairList.Parse("a.wav,b.png\n\nonly-one.wav\nx.wav,\n\"open.wav,b.png\nc.wav,d.png,e.png\nf.wav,g.png", "");
        Assert.Equal([("a.wav", "b.png"), ("f.wav", "g.png")], result.Pairs);
        Assert.Equal([
            "line 3: expected two keys (audio,image), found 'only-one.wav'",
            "line 4: expected two keys (audio,image), found 'x.wav,'",
            "line 5: expected two keys (audio,image), found '\"open.wav,b.png'",
            "line 6: expected two keys (audio,image), found 'c.wav,d.png,e.png'",
        ], result.Problems);
    }

    [Fact]
    public void After_a_bad_first_row_a_naming_row_is_a_pair_not_a_header()
    {
        var result = PairList.Parse("oops\naudio,image\n", "");
        Assert.Equal([("audio", "image")], result.Pairs);
        Assert.Single(result.Problems);
    }
}
