namespace BrewClip.Ingest;

/// <summary>Which names in a source are not read as media, whatever the source.</summary>
public static class ObjectNames
{
    // Partial downloads and editors' temporary files: they are renamed into place when complete.
    private static readonly string[] PartialSuffixes = [".part", ".partial", ".tmp", ".crdownload", ".download", ".swp"];

    // Sidecar transcripts are read with their audio, pair lists on their own; other CSV files are no media.
    private static readonly string[] NotMediaSuffixes = [".txt", ".srt", ".vtt", ".csv"];

    /// <summary>A transcript beside an audio file (.txt, .srt, .vtt), not hidden and not a partial download.</summary>
    public static bool IsSidecar(string key)
    {
        var name = FileName(key);
        return !name.StartsWith('.') && BrewClip.Media.SidecarTranscript.Extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    public static bool IsPairList(string key) => FileName(key).Equals(PairList.FileName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Hidden files, partial downloads, sidecars and CSV files other than a pair list.</summary>
    public static bool Skipped(string key) => SkipReason(key) is not null;

    /// <summary>Why a name is not read as media (see <see cref="Skipped"/>), or null when it is.</summary>
    public static string? SkipReason(string key)
    {
        var name = FileName(key);
        if (IsPairList(name))
        {
            return null;
        }
        if (name.Length == 0 || name.StartsWith('.'))
        {
            return "a hidden file";
        }
        if (PartialSuffixes.FirstOrDefault(suffix => name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) is { } partial)
        {
            return $"a partial download or temporary file ({partial}; read once renamed into place)";
        }
        if (NotMediaSuffixes.FirstOrDefault(suffix => name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) is { } text)
        {
            return $"not media by its name ({text})";
        }
        return null;
    }

    private static string FileName(string key) => key[(key.LastIndexOf('/') + 1)..];
}
