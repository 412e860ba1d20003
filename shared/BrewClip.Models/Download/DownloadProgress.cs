namespace BrewClip.Models.Download;

public sealed record DownloadProgress(string File, long Received, long Total);
