using BrewClip.Queries;

namespace BrewClip.Models.Tests;

public sealed class QueryTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2026-11-01", "2026-11-01T00:00:00+00:00")]
    [InlineData("2026-11-01T12:00:00Z", "2026-11-01T12:00:00+00:00")]
    [InlineData("2026-11-01T12:00", "2026-11-01T12:00:00+00:00")]
    [InlineData("2026-11-01T12:00:00.5+02:00", "2026-11-01T10:00:00.5+00:00")]
    [InlineData("2026-11-01 08:15", "2026-11-01T08:15:00+00:00")]
    [InlineData("now", "2026-12-07T15:30:00+00:00")]
    [InlineData("today", "2026-12-07T00:00:00+00:00")]
    [InlineData("Yesterday", "2026-12-06T00:00:00+00:00")]
    [InlineData("30m", "2026-12-07T15:00:00+00:00")]
    [InlineData("12h", "2026-12-07T03:30:00+00:00")]
    [InlineData("7d", "2026-11-30T15:30:00+00:00")]
    [InlineData(" 2w ", "2026-11-23T15:30:00+00:00")]
    public void Dates_iso_times_and_spans_back_from_now_name_the_time_they_say(string text, string expected)
        => Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), QueryTime.Parse(text, Now));

    [Theory]
    [InlineData("someday")]
    [InlineData("01/11/2026")]
    [InlineData("11/01/2026")]
    [InlineData("7")]
    [InlineData("-7d")]
    [InlineData("7y")]
    [InlineData("2026-13-01")]
    [InlineData("")]
    [InlineData("999999w")]
    public void Anything_else_names_no_time(string text) => Assert.Null(QueryTime.Parse(text, Now));
}
