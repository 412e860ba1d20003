using BrewClip.Media;

namespace BrewClip.Queries;

/// <summary>What is wrong with a query that cannot be answered; the HTTP API answers each with its own status.</summary>
public enum QueryProblem
{
    /// <summary>The query as given makes no sense (empty text, a bad parameter): 400.</summary>
    Invalid,

    /// <summary>The query named an item that does not exist or has no vector: 404.</summary>
    NotFound,

    /// <summary>The file is over a limit (pixels, duration): 413.</summary>
    TooLarge,

    /// <summary>The content is not media that can be read, or not the kind of media that was asked for: 415.</summary>
    NotMedia,

    /// <summary>The file is media but holds nothing to search with (a video without sound): 422.</summary>
    NothingToSearch,
}

/// <summary>A query that cannot be answered as given (empty text, a file that does not decode, no such item): the message says why.</summary>
public sealed class QueryException(string message, QueryProblem problem = QueryProblem.Invalid, MediaKind? fileKind = null) : Exception(message)
{
    public QueryProblem Problem { get; } = problem;

    /// <summary>What the query file turned out to be, when that is known (so a caller can say which option fits it).</summary>
    public MediaKind? FileKind { get; } = fileKind;
}
