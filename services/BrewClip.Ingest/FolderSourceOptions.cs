using System.Text.RegularExpressions;

namespace BrewClip.Ingest;

/// <summary>A local folder Ingest watches (configuration "Ingest:Folders:N").</summary>
public sealed class FolderSourceOptions
{
    /// <summary>The source's name, kept with every item it delivers (lowercase letters, digits, '.', '_', '-').</summary>
    public string Name { get; set; } = "";

    /// <summary>The folder; subfolders are included.</summary>
    public string Path { get; set; } = "";
}
