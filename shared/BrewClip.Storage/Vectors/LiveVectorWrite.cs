namespace BrewClip.Storage.Vectors;

/// <summary>
/// What a write for the live versions did: the versions written, the rows inserted or changed over all of them, and the
/// live versions skipped because they were made with other models than the writing service runs (their vectors come
/// from services running those models).
/// </summary>
public sealed record LiveVectorWrite(IReadOnlyList<int> Versions, int RowsChanged, IReadOnlyList<int>? Skipped = null);
