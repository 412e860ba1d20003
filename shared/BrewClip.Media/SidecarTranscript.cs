using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BrewClip.Media;

/// <summary>
/// A ground-truth transcript delivered beside a recording: plain text (<c>.txt</c>), SubRip
/// (<c>.srt</c>) or WebVTT (<c>.vtt</c>). Subtitles keep their cues; the text is the cues joined by spaces.
/// </summary>
public sealed partial record SidecarTranscript(string Text, IReadOnlyList<TranscriptCue> Cues)
{
    public static readonly string[] Extensions = [".txt", ".srt", ".vtt"];

    /// <exception cref="MediaException">The file has no text, or a subtitle file has no cue.</exception>
    public static SidecarTranscript Parse(string fileName, string content)
    {
        content = content.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        if (extension == ".txt")
        {
            var text = Whitespace().Replace(content, " ").Trim();
            return text.Length > 0 ? new SidecarTranscript(text, []) : throw new MediaException($"the transcript {fileName} is empty");
        }
        if (extension is not (".srt" or ".vtt"))
        {
            throw new MediaException($"{fileName} is not a transcript (.txt, .srt or .vtt)");
        }
        var cues = new List<TranscriptCue>();
        foreach (var block in content.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lines = block.Split('\n');
            var timing = Array.FindIndex(lines, line => line.Contains("-->", StringComparison.Ordinal));
            if (timing < 0)
            {
                continue; // WEBVTT header, NOTE, STYLE and REGION blocks carry no cue
            }
            var match = Timing().Match(lines[timing]);
            if (!match.Success)
            {
                throw new MediaException($"{fileName}: '{lines[timing]}' is not a cue timing");
            }
            var text = Whitespace().Replace(Tag().Replace(string.Join(' ', lines[(timing + 1)..]), ""), " ").Trim();
            if (text.Length > 0)
            {
                cues.Add(new TranscriptCue(Seconds(match.Groups["start"].Value), Seconds(match.Groups["end"].Value), System.Net.WebUtility.HtmlDecode(text)));
            }
        }
        if (cues.Count == 0)
        {
            throw new MediaException($"the transcript {fileName} has no cue with text");
        }
        return new SidecarTranscript(string.Join(' ', cues.Select(cue => cue.Text)), cues);
    }

    // hh:mm:ss,mmm (SubRip) or [hh:]mm:ss.mmm (WebVTT).
    private static double Seconds(string stamp)
    {
        var parts = stamp.Replace(',', '.').Split(':');
        var seconds = double.Parse(parts[^1], CultureInfo.InvariantCulture);
        var minutes = int.Parse(parts[^2], CultureInfo.InvariantCulture);
        var hours = parts.Length == 3 ? int.Parse(parts[0], CultureInfo.InvariantCulture) : 0;
        return Math.Round(hours * 3600 + minutes * 60 + seconds, 3);
    }

    [GeneratedRegex(@"^\s*(?<start>(\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?<end>(\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")]
    private static partial Regex Timing();

    [GeneratedRegex(@"<[^>]*>|\{\\[^}]*\}")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // The text goes into a jsonb column, not into HTML: '&' and non-ASCII letters stay as they are.
    private static readonly System.Text.Json.JsonSerializerOptions JsonText = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The cues as the transcripts table keeps them: [{"start", "end", "text"}].</summary>
    public string CuesJson()
    {
        var json = new StringBuilder("[");
        foreach (var cue in Cues)
        {
            if (json.Length > 1)
            {
                json.Append(',');
            }
            json.Append(CultureInfo.InvariantCulture, $"{{\"start\":{cue.Start},\"end\":{cue.End},\"text\":{System.Text.Json.JsonSerializer.Serialize(cue.Text, JsonText)}}}");
        }
        return json.Append(']').ToString();
    }
}
