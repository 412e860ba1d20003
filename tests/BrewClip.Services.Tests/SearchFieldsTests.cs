using BrewClip.Queries;
using BrewClip.Search;
using BrewClip.Storage.Vectors;

namespace BrewClip.Services.Tests;

/// <summary>The API's query fields (q's companions) read into a search, or refused with what was expected.</summary>
public sealed class SearchFieldsTests
{
    private static readonly SearchQuery Words = new() { Text = "a dog" };

    private static (SearchQuery? Query, string? Error) Parse(params (string Name, string Value)[] fields)
        => (SearchApi.Parse(fields.ToDictionary(f => f.Name, f => f.Value), Words, out var error), error);

    [Fact]
    public void No_fields_leave_the_defaults()
    {
        var (query, error) = Parse();
        Assert.Null(error);
        Assert.Equal(Words, query);
    }

    [Fact]
    public void Every_field_is_applied()
    {
        var (query, error) = Parse(("kind", "audio"), ("k", "25"), ("text_weight", "0.5"), ("ef_search", "300"), ("media_kind", "video"),
            ("source", "inbox"), ("since", "2026-11-01"), ("until", "2026-11-02T12:00:00Z"));
        Assert.Null(error);
        Assert.Equal(Words with
        {
            Target = SearchTarget.Audio,
            K = 25,
            TextWeight = 0.5,
            EfSearch = 300,
            MediaKind = "video",
            Source = "inbox",
            IngestedAfter = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
            IngestedBefore = new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero),
        }, query);
    }

    [Fact]
    public void Empty_fields_count_as_absent()
    {
        var (query, error) = Parse(("k", ""), ("kind", ""), ("media_kind", ""));
        Assert.Null(error);
        Assert.Equal(Words, query);
    }

    [Theory]
    [InlineData("kind", "pictures", "kind must be images, audio or all; got 'pictures'")]
    [InlineData("k", "-1", "k must be a whole number between 1 and 1000; got '-1'")]
    [InlineData("k", "2.5", "k must be a whole number between 1 and 1000; got '2.5'")]
    [InlineData("like", "abc", "like must be a media id (a whole number); got 'abc'")]
    [InlineData("text_weight", "heavy", "text_weight must be a number 0 or more; got 'heavy'")]
    [InlineData("ef_search", "x", "ef_search must be a whole number between 1 and 1000; got 'x'")]
    public void A_field_that_does_not_parse_is_named_with_what_it_must_be(string name, string value, string expected)
    {
        var (query, error) = Parse((name, value));
        Assert.Null(query);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_time_that_does_not_parse_says_which_forms_are_accepted()
    {
        var (_, error) = Parse(("since", "last tuesday"));
        Assert.Equal($"since must be {QueryTime.Accepted}; got 'last tuesday'", error);
    }

    [Theory]
    [InlineData("k", "0", "k must be between 1 and 1000; got 0")]
    [InlineData("k", "1001", "k must be between 1 and 1000; got 1001")]
    [InlineData("ef_search", "0", "ef_search must be between 1 and 1000; got 0")]
    [InlineData("text_weight", "-1", "the text weight must be a number 0 or more; got -1")]
    [InlineData("media_kind", "document", "kind of media must be audio, image or video; got 'document'")]
    public void A_parsed_value_out_of_range_is_refused_by_the_query_rules(string name, string value, string expected)
    {
        var (query, error) = Parse((name, value));
        Assert.Null(query);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void The_limits_in_the_messages_are_the_search_limits()
    {
        var (_, error) = Parse(("k", (SearchLimits.MaxK + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal($"k must be between 1 and {SearchLimits.MaxK}; got {SearchLimits.MaxK + 1}", error);
    }

    [Fact]
    public void Kinds_of_media_that_cannot_hold_what_is_searched_are_refused()
    {
        Assert.Equal("audio files have no images to search", Parse(("kind", "images"), ("media_kind", "audio")).Error);
        Assert.Equal("image files have no audio to search", Parse(("kind", "audio"), ("media_kind", "image")).Error);
    }

    [Theory]
    [InlineData("photo.JPG", ".JPG")]
    [InlineData("clip.tar.gz", ".gz")]
    [InlineData("noextension", "")]
    [InlineData("evil.sh;rm -rf", "")]
    [InlineData("name.verylongextension", "")]
    [InlineData("dots.", "")]
    public void An_uploaded_name_keeps_only_a_short_plain_extension(string name, string extension)
        => Assert.Equal(extension, SearchApi.SafeExtension(name));
}
