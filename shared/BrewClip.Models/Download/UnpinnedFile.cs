namespace BrewClip.Models.Download;

/// <summary>A file no public source pins, downloaded and hashed, waiting for the user to accept its SHA-256.</summary>
public sealed record UnpinnedFile(string LocalName, string Source, long Size, string Sha256);

/// <summary>
/// Files were downloaded that no public source pins. Each is kept beside its place as <c>NAME.unverified</c> (not used by any
/// service) until a pull accepts its hash with <c>--accept SHA256</c>, or is deleted.
/// </summary>
public sealed class UnpinnedFilesException(IReadOnlyList<UnpinnedFile> files) : Exception(Describe(files))
{
    public IReadOnlyList<UnpinnedFile> Files { get; } = files;

    private static string Describe(IReadOnlyList<UnpinnedFile> files) =>
        $"No public source pins {string.Join(", ", files.Select(f => f.LocalName))}, so {(files.Count == 1 ? "it was" : "they were")} downloaded but not placed: " +
        string.Join("; ", files.Select(f => $"{f.LocalName} from {f.Source} is {f.Size:N0} bytes with SHA-256 {f.Sha256}")) +
        ". Compare each hash with the one the publisher lists for that file at that revision, then run the pull again with " +
        string.Join(" ", files.Select(f => $"--accept {f.Sha256}")) + " to keep them.";
}
