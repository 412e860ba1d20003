namespace BrewClip.Hosting;

/// <summary>Something a service needs at start is unusable (a model, a library); the message says what and what to do.</summary>
public sealed class ServiceStartException(string message, Exception? innerException = null) : Exception(message, innerException);
