using System.Globalization;

namespace BrewClip.Ingest;

/// <summary>
/// This process's folder for temporary files (extension-less links for ffprobe, downloaded S3 objects):
/// <c>$TMPDIR/brewclip-ingest/&lt;pid&gt;</c>. At start it is emptied, and the folders of Ingest processes that no
/// longer run (killed before they could clean up) are removed, so a crash leaves nothing behind for long.
/// </summary>
public sealed class IngestScratch
{
    public IngestScratch(ILogger<IngestScratch> logger)
    {
        var parent = Path.Combine(Path.GetTempPath(), "brewclip-ingest");
        Folder = Path.Combine(parent, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(parent);
        foreach (var folder in Directory.EnumerateFileSystemEntries(parent))
        {
            var name = Path.GetFileName(folder);
            var own = folder == Folder;
            var orphaned = !int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !Directory.Exists($"/proc/{pid}");
            if (own || orphaned)
            {
                try
                {
                    if (Directory.Exists(folder))
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                    else
                    {
                        File.Delete(folder);
                    }
                    if (!own)
                    {
                        logger.LogInformation("Removed {Folder}, left behind by an Ingest process that no longer runs", folder);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning("Could not remove {Folder}: {Reason}", folder, e.Message);
                }
            }
        }
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>A new path inside the folder (nothing is created).</summary>
    public string NewPath() => Path.Combine(Folder, Guid.NewGuid().ToString("N"));
}
