using Npgsql.Internal;
using Npgsql.Internal.Postgres;

namespace BrewClip.Storage.Vectors;

/// <summary>
/// Teaches Npgsql pgvector's <c>vector</c> and <c>halfvec</c> as <c>float[]</c> (the default when reading)
/// and <c>ReadOnlyMemory&lt;float&gt;</c>. A parameter or COPY column names the type with
/// <see cref="PgVectorTypes.HalfVec"/> or <see cref="PgVectorTypes.Vector"/>.
/// </summary>
#pragma warning disable NPG9001 // Npgsql's converter API is marked experimental; it is the supported way to add a type.
internal sealed class PgVectorTypeInfoResolverFactory : PgTypeInfoResolverFactory
{
    public override IPgTypeInfoResolver CreateResolver() => new Resolver();

    public override IPgTypeInfoResolver? CreateArrayResolver() => null;

    private sealed class Resolver : IPgTypeInfoResolver
    {
        private readonly TypeInfoMappingCollection _mappings = CreateMappings();

        public PgTypeInfo? GetTypeInfo(Type? type, DataTypeName? dataTypeName, PgSerializerOptions options)
            => _mappings.Find(type, dataTypeName, options);

        private static TypeInfoMappingCollection CreateMappings()
        {
            var mappings = new TypeInfoMappingCollection();
            foreach (var (name, encoding) in new[] { (PgVectorTypes.Vector, VectorEncoding.Float32), (PgVectorTypes.HalfVec, VectorEncoding.Float16) })
            {
                mappings.AddType<float[]>(name,
                    (options, mapping, _) => mapping.CreateInfo(options, new FloatArrayVectorConverter(encoding)),
                    isDefault: true);
                mappings.AddStructType<ReadOnlyMemory<float>>(name,
                    (options, mapping, _) => mapping.CreateInfo(options, new FloatMemoryVectorConverter(encoding)));
            }
            return mappings;
        }
    }
}
#pragma warning restore NPG9001
