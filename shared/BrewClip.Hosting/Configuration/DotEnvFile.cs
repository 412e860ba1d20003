namespace BrewClip.Hosting.Configuration;

/// <summary>
/// Reads a <c>.env</c> file: <c>KEY=VALUE</c> lines, optional <c>export </c>, <c>#</c> comments, values in
/// single quotes (literal) or double quotes (with \n, \" and \\ escapes).
/// </summary>
public static class DotEnvFile
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string text, string fileName = ".env")
    {
        var entries = new List<KeyValuePair<string, string>>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"{fileName}:{lineNumber}: expected KEY=VALUE, found '{line}'.");
            }
            var key = line[..equals].Trim();
            entries.Add(new(key, ParseValue(line[(equals + 1)..].Trim(), fileName, lineNumber)));
        }
        return entries;
    }

    private static string ParseValue(string value, string fileName, int lineNumber)
    {
        if (value.Length == 0)
        {
            return value;
        }
        var quote = value[0];
        if (quote is '\'' or '"')
        {
            var end = value.LastIndexOf(quote);
            if (end == 0)
            {
                throw new FormatException($"{fileName}:{lineNumber}: the value opens a {quote} quote that never closes.");
            }
            var inner = value[1..end];
            return quote == '\'' ? inner : Unescape(inner);
        }
        // An unquoted value ends at a comment that follows whitespace.
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return comment >= 0 ? value[..comment].TrimEnd() : value;
    }

    private static string Unescape(string value) => value
        .Replace("\\n", "\n", StringComparison.Ordinal)
        .Replace("\\\"", "\"", StringComparison.Ordinal)
        .Replace("\\\\", "\\", StringComparison.Ordinal);
}
