using Npgsql.Internal;

namespace BrewClip.Storage.Vectors;

/// <summary>
/// pgvector's binary format for <c>vector</c> and <c>halfvec</c>: uint16 dimensions, uint16 zero, then the
/// elements big-endian (float32 or float16). Used for parameters, reads and binary COPY alike.
/// </summary>
#pragma warning disable NPG9001 // Npgsql's converter API is marked experimental; it is the supported way to add a type.
internal abstract class PgVectorConverter<T>(VectorEncoding encoding) : PgStreamingConverter<T>
{
    private const int HeaderSize = 2 * sizeof(ushort);

    /// <summary>pgvector's own limit for both types.</summary>
    public const int MaxDimensions = 16000;

    private int ElementSize => encoding == VectorEncoding.Float16 ? sizeof(ushort) : sizeof(float);

    protected abstract ReadOnlyMemory<float> AsMemory(T value);

    protected abstract T FromArray(float[] values);

    public override Size GetSize(SizeContext context, T value, ref object? writeState)
    {
        var length = AsMemory(value).Length;
        if (length is 0 or > MaxDimensions)
        {
            throw new ArgumentException(
                $"A pgvector value needs 1 to {MaxDimensions} dimensions; this one has {length}.", nameof(value));
        }
        return HeaderSize + length * ElementSize;
    }

    public override T Read(PgReader reader) => ReadCore(reader, async: false, CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask<T> ReadAsync(PgReader reader, CancellationToken cancellationToken = default)
        => ReadCore(reader, async: true, cancellationToken);

    public override void Write(PgWriter writer, T value)
        => WriteCore(writer, AsMemory(value), async: false, CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask WriteAsync(PgWriter writer, T value, CancellationToken cancellationToken = default)
        => WriteCore(writer, AsMemory(value), async: true, cancellationToken);

    private async ValueTask<T> ReadCore(PgReader reader, bool async, CancellationToken cancellationToken)
    {
        await EnsureBuffered(reader, HeaderSize, async, cancellationToken).ConfigureAwait(false);
        int dimensions = reader.ReadUInt16();
        if (reader.ReadUInt16() != 0)
        {
            throw new InvalidCastException("Malformed pgvector value: the reserved header field is not zero.");
        }

        var values = new float[dimensions];
        var elementSize = ElementSize;
        for (var i = 0; i < dimensions; i++)
        {
            await EnsureBuffered(reader, elementSize, async, cancellationToken).ConfigureAwait(false);
            values[i] = encoding == VectorEncoding.Float16
                ? (float)BitConverter.UInt16BitsToHalf(reader.ReadUInt16())
                : reader.ReadFloat();
        }
        return FromArray(values);
    }

    private async ValueTask WriteCore(PgWriter writer, ReadOnlyMemory<float> values, bool async, CancellationToken cancellationToken)
    {
        if (writer.ShouldFlush(HeaderSize))
        {
            await Flush(writer, async, cancellationToken).ConfigureAwait(false);
        }
        writer.WriteUInt16((ushort)values.Length);
        writer.WriteUInt16(0);

        var written = 0;
        while (true)
        {
            written += WriteWhileRoom(writer, values.Span[written..]);
            if (written == values.Length)
            {
                return;
            }
            await Flush(writer, async, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes elements until the buffer is full; returns how many it wrote.</summary>
    private int WriteWhileRoom(PgWriter writer, ReadOnlySpan<float> values)
    {
        var elementSize = ElementSize;
        for (var i = 0; i < values.Length; i++)
        {
            if (writer.ShouldFlush(elementSize))
            {
                return i;
            }
            if (encoding == VectorEncoding.Float16)
            {
                writer.WriteUInt16(BitConverter.HalfToUInt16Bits((Half)values[i]));
            }
            else
            {
                writer.WriteFloat(values[i]);
            }
        }
        return values.Length;
    }

    private static async ValueTask EnsureBuffered(PgReader reader, int bytes, bool async, CancellationToken cancellationToken)
    {
        if (!reader.ShouldBuffer(bytes))
        {
            return;
        }
        if (async)
        {
            await reader.BufferAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            reader.Buffer(bytes);
        }
    }

    private static async ValueTask Flush(PgWriter writer, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            writer.Flush();
        }
    }
}
#pragma warning restore NPG9001
