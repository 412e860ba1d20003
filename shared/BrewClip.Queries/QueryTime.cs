using System.Globalization;
using System.Text.RegularExpressions;

namespace BrewClip.Queries;

/// <summary>
/// The times a person may give for an ingestion range (<c>since</c>, <c>until</c>), the same in the API and the
/// CLI: a date (<c>2026-11-01</c>, midnight UTC), an ISO 8601 time (<c>2026-11-01T12:00:00Z</c>; without a zone,
/// UTC), <c>now</c>, <c>today</c> or <c>yesterday</c> (midnight UTC), or a span back from now: a whole number and
/// <c>m</c> (minutes), <c>h</c>, <c>d</c> or <c>w</c> (<c>30m</c>, <c>12h</c>, <c>7d</c>, <c>2w</c>).
/// </summary>
public static partial class QueryTime
{
    /// <summary>What is accepted, in one line, for error messages.</summary>
    public const string Accepted = "a date (2026-11-01), an ISO 8601 time (2026-11-01T12:00:00Z), now, today, yesterday, or a span back from now (30m, 12h, 7d, 2w)";

    /// <summary>The same forms for a time to come (a key's expiry): spans count ahead from now, and there is no yesterday.</summary>
    public const string AcceptedAhead = "a date (2027-01-31), an ISO 8601 time (2027-01-31T12:00:00Z), or a span from now (12h, 30d, 8w)";

    /// <summary>The time <paramref name="text"/> names, relative ones counted back from <paramref name="now"/> (ahead with
    /// <paramref name="ahead"/>); null when it names none.</summary>
    public static DateTimeOffset? Parse(string text, DateTimeOffset now, bool ahead = false)
    {
        var value = text.Trim();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        switch (value.ToLowerInvariant())
        {
            case "now":
                return now;
            case "today":
                return today;
            case "yesterday":
                return today.AddDays(-1);
        }
        if (Span().Match(value) is { Success: true } span
            && int.TryParse(span.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            var back = span.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7.0 * n),
            };
            if (ahead)
            {
                return back < DateTimeOffset.MaxValue - now ? now + back : null;
            }
            return back < now - DateTimeOffset.MinValue ? now - back : null;
        }
        // ISO 8601 only: a date, or a date and time with an optional zone (never a culture's own order of day and month).
        string[] formats =
        [
            "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
            "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
            "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss",
        ];
        return DateTimeOffset.TryParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    [GeneratedRegex(@"^(?<n>\d{1,6})\s*(?<unit>[mhdwMHDW])$")]
    private static partial Regex Span();
}
