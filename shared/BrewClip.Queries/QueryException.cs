namespace BrewClip.Queries;

/// <summary>A query that cannot be answered as given (empty text, a file that does not decode, no such item): the message says why.</summary>
public sealed class QueryException(string message, bool notFound = false) : Exception(message)
{
    /// <summary>The query named an item that does not exist or has no vector (HTTP 404 rather than 400).</summary>
    public bool NotFound { get; } = notFound;
}
