namespace BrewClip.Media;

/// <summary>A media file could not be read or converted; the message says why in a person's terms.</summary>
public sealed class MediaException(string message, Exception? innerException = null) : Exception(message, innerException);
