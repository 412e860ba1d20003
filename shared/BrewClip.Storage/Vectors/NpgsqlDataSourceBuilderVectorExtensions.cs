using Npgsql;

namespace BrewClip.Storage.Vectors;

public static class NpgsqlDataSourceBuilderVectorExtensions
{
    /// <summary>Maps pgvector's <c>vector</c> and <c>halfvec</c> to <c>float[]</c> and <c>ReadOnlyMemory&lt;float&gt;</c>.</summary>
    public static NpgsqlDataSourceBuilder UsePgVector(this NpgsqlDataSourceBuilder builder)
    {
#pragma warning disable NPG9001 // experimental converter API, see PgVectorTypeInfoResolverFactory
        builder.AddTypeInfoResolverFactory(new PgVectorTypeInfoResolverFactory());
#pragma warning restore NPG9001
        return builder;
    }
}
