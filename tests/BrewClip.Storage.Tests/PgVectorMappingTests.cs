using BrewClip.Storage.Vectors;
using BrewClip.Testing;
using Npgsql;
using Pgvector;

namespace BrewClip.Storage.Tests;

/// <summary>pgvector's types through the project's data source (Pgvector's mapping) and <see cref="VectorValues"/>.</summary>
public sealed class PgVectorMappingTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Theory]
    [InlineData(3)]
    [InlineData(512)]
    [InlineData(16000)] // larger than Npgsql's write buffer
    public async Task Vector_roundtrips_exactly_through_a_parameter(int dimensions)
    {
        var value = RandomVectors.Unit(1, dimensions, seed: dimensions)[0];
        value[0] = float.Epsilon; // a subnormal survives float32 unchanged
        var back = await RoundTripAsync(VectorValues.ToVector(value), $"vector({dimensions})");
        Assert.Equal(value, back);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(512)]
    [InlineData(16000)]
    public async Task Halfvec_roundtrips_within_fp16_precision_through_a_parameter(int dimensions)
    {
        var value = RandomVectors.Unit(1, dimensions, seed: dimensions + 1)[0];
        var back = await RoundTripAsync(VectorValues.ToHalfVector(value), $"halfvec({dimensions})");

        Assert.Equal(RandomVectors.RoundToHalf(value), back);
        for (var i = 0; i < dimensions; i++)
        {
            // float16 keeps 11 significant bits: relative error at most 2^-11 for normal values,
            // absolute 2^-25 below the smallest normal (6.1e-5).
            Assert.True(Math.Abs(value[i] - back[i]) <= Math.Max(Math.Abs(value[i]) * Math.Pow(2, -11), Math.Pow(2, -25)),
                $"element {i}: {value[i]} came back as {back[i]}");
        }
    }

    [Fact]
    public async Task Server_computes_on_what_the_client_wrote()
    {
        // The bytes must mean to pgvector what they mean here: compare a server-side distance.
        await using var command = _db.DataSource.CreateCommand("select $1 <-> $2");
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(new float[] { 1, 2, 3 }) });
        command.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToVector(new float[] { 4, 5, 6 }) });
        Assert.Equal(Math.Sqrt(27), (double)(await command.ExecuteScalarAsync())!, 6);

        await using var text = _db.DataSource.CreateCommand("select $1::text");
        text.Parameters.Add(new NpgsqlParameter { Value = VectorValues.ToHalfVector([0.5f, -2, 1024]) });
        Assert.Equal("[0.5,-2,1024]", (string)(await text.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Text_literals_read_back_as_floats()
    {
        await using var command = _db.DataSource.CreateCommand("select '[1,2.5,-3]'::vector, '[1,2.5,-3]'::halfvec");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.IsType<Vector>(reader.GetValue(0));
        Assert.IsType<HalfVector>(reader.GetValue(1));
        Assert.Equal(new float[] { 1, 2.5f, -3 }, VectorValues.ToFloats(reader.GetValue(0)));
        Assert.Equal(new float[] { 1, 2.5f, -3 }, VectorValues.ToFloats(reader.GetValue(1)));
        Assert.Throws<InvalidCastException>(() => VectorValues.ToFloats("[1,2]"));
    }

    [Theory]
    [InlineData(false, "vector(64)")]
    [InlineData(true, "halfvec(64)")]
    public async Task Rows_written_by_binary_copy_read_back_exactly(bool half, string columnType)
    {
        var vectors = RandomVectors.Unit(300, 64, seed: 11);
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand($"create table copied (id int primary key, v {columnType})", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        await using (var importer = await connection.BeginBinaryImportAsync("copy copied (id, v) from stdin (format binary)"))
        {
            for (var i = 0; i < vectors.Length; i++)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(i, NpgsqlTypes.NpgsqlDbType.Integer);
                if (half)
                {
                    await importer.WriteAsync(VectorValues.ToHalfVector(vectors[i]));
                }
                else
                {
                    await importer.WriteAsync(VectorValues.ToVector(vectors[i]));
                }
            }
            await importer.CompleteAsync();
        }

        var back = new Dictionary<int, float[]>();
        await using (var select = new NpgsqlCommand("select id, v from copied", connection))
        await using (var reader = await select.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                back[reader.GetInt32(0)] = VectorValues.ToFloats(reader.GetValue(1));
            }
        }

        Assert.Equal(vectors.Length, back.Count);
        for (var i = 0; i < vectors.Length; i++)
        {
            Assert.Equal(half ? RandomVectors.RoundToHalf(vectors[i]) : vectors[i], back[i]);
        }
    }

    private async Task<float[]> RoundTripAsync(object value, string columnType)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand($"create temporary table roundtrip (v {columnType})", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        await using (var insert = new NpgsqlCommand("insert into roundtrip values ($1)", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = value });
            await insert.ExecuteNonQueryAsync();
        }
        await using var select = new NpgsqlCommand("select v from roundtrip", connection);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return VectorValues.ToFloats(reader.GetValue(0));
    }
}
