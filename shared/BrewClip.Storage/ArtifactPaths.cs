namespace BrewClip.Storage;

/// <summary>Artifact URIs as local files. The filesystem store writes file:// URIs; others arrive with the S3 artifact store.</summary>
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
        throw new NotSupportedException($"The artifact URI '{uri}' is not a local file (file:// or an absolute path); this build reads no other artifact stores.");
    }

    public static string ToUri(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;
}
