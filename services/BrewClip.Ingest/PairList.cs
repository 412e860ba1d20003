using System.Text;

namespace BrewClip.Ingest;

/// <summary>
/// A <c>pairs.csv</c>: one pair per row, the audio's key then the image's key, relative to the folder
/// holding the file. A first row that names the columns (<c>audio,image</c> or <c>audio_key,image_key</c>)
/// is a header. Fields may be quoted as in RFC 4180.
/// </summary>
public static class PairList
{
    public const string FileName = "pairs.csv";

    public sealed record Result(IReadOnlyList<(string AudioKey, string ImageKey)> Pairs, IReadOnlyList<string> Problems);

    public static Result Parse(string content, string folderKey)
    {
        var pairs = new List<(string, string)>();
        var problems = new List<string>();
        var lineNumber = 0;
        foreach (var line in content.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }
            var fields = Fields(line);
            if (fields is not [var audio, var image] || audio.Trim().Length == 0 || image.Trim().Length == 0)
            {
                problems.Add($"line {lineNumber}: expected two keys (audio,image), found '{line.Trim()}'");
                continue;
            }
            (audio, image) = (audio.Trim(), image.Trim());
            if (pairs.Count == 0 && problems.Count == 0 && IsHeader(audio, image))
            {
                continue;
            }
            pairs.Add((Key(folderKey, audio), Key(folderKey, image)));
        }
        return new Result(pairs, problems);
    }

    private static bool IsHeader(string audio, string image)
        => audio.ToLowerInvariant() is "audio" or "audio_key" && image.ToLowerInvariant() is "image" or "image_key";

    private static string Key(string folderKey, string relative)
    {
        relative = relative.Replace('\\', '/').TrimStart('/');
        return folderKey.Length == 0 ? relative : $"{folderKey}/{relative}";
    }

    private static List<string>? Fields(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return quoted ? null : fields;
    }
}
