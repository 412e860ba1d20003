namespace BrewClip.Storage.Artifacts;

/// <summary>The configured artifact store cannot be reached or used (a wrong bucket, endpoint or credential).</summary>
public sealed class ArtifactStoreUnavailableException(string message, Exception inner) : Exception(message, inner);
