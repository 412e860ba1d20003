namespace BrewClip.Storage.Artifacts;

internal static class ArtifactKeys
{
    /// <summary>Refuses a key that is not a relative path inside the store.</summary>
    public static string Checked(string key)
        => string.IsNullOrWhiteSpace(key) || Path.IsPathRooted(key) || key.Split('/', '\\').Contains("..")
            ? throw new ArgumentException($"Artifact key '{key}' must be a relative path inside the store.", nameof(key))
            : key.Replace('\\', '/');
}
