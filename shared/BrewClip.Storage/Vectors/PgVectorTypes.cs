namespace BrewClip.Storage.Vectors;

/// <summary>pgvector's type names, for <c>NpgsqlParameter.DataTypeName</c> and binary COPY.</summary>
public static class PgVectorTypes
{
    public const string Vector = "vector";
    public const string HalfVec = "halfvec";
}
