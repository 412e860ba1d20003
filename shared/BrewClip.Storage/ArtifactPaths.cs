namespace BrewClip.Storage;

/// <summary>Artifact URIs as local files: the filesystem store's file:// URIs (the S3 store's s3:// URIs are fetched through it).</summary>
public static class ArtifactPaths
{
    /// <summary>The local path of a file:// URI or an absolute path; a clear error for any other scheme.</summary>
    public static string ToLocalPath(string uri)
    {
        if (Path.IsPathFullyQualified(uri))
        {
            return uri;
        }
        if (Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.IsFile)
        {
            return parsed.LocalPath;
        }
        throw new NotSupportedException($"The artifact URI '{uri}' is not a local file (file:// or an absolute path): it is read through the store that wrote it (Artifacts:Store=s3 for s3:// URIs).");
    }

    public static string ToUri(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;
}
