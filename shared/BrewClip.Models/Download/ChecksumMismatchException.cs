namespace BrewClip.Models.Download;

public sealed class ChecksumMismatchException(string message) : Exception(message);
