namespace BrewClip.Storage.Vectors;

/// <summary>What a write for the live versions did: the versions written, and the rows inserted or changed over all of them.</summary>
public sealed record LiveVectorWrite(IReadOnlyList<int> Versions, int RowsChanged);
