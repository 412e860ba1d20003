using System.Buffers.Binary;
using System.Text.Json;

namespace BrewClip.Autograd.Safetensors;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and [begin, end) byte offsets into the data that follows, then the raw little-endian
/// data. Optional string metadata lives under "__metadata__".
/// </summary>
public static class SafetensorsFile
{
    private const string MetadataKey = "__metadata__";

    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors,
        SafetensorsDType dtype = SafetensorsDType.F32, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = File.Create(path);
        Write(stream, tensors, dtype, metadata);
    }

    public static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors,
        SafetensorsDType dtype = SafetensorsDType.F32, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var elementSize = dtype == SafetensorsDType.F16 ? 2 : 4;
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (name == MetadataKey)
                {
                    throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.");
                }
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.ToString());
                json.WriteStartArray("shape");
                foreach (var d in tensor.Shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)tensor.Size * elementSize;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        header.Position = 0;
        header.CopyTo(stream);
        foreach (var (_, tensor) in tensors)
        {
            var values = tensor.Contiguous().Span;
            var bytes = new byte[values.Length * elementSize];
            for (var i = 0; i < values.Length; i++)
            {
                if (dtype == SafetensorsDType.F16)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                }
                else
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
                }
            }
            stream.Write(bytes);
        }
    }

    /// <summary>Reads every tensor (F16 widened to float32) and the metadata.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(Stream stream, string name = "stream")
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > 100_000_000)
        {
            throw new InvalidDataException($"{name}: a safetensors header of {headerLength} bytes is not plausible; this is not a safetensors file.");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        using var header = JsonDocument.Parse(headerBytes);
        var dataStart = stream.CanSeek ? stream.Position : 8 + (long)headerLength;
        var data = new MemoryStream();
        stream.CopyTo(data);
        var buffer = data.GetBuffer().AsSpan(0, (int)data.Length);

        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == MetadataKey)
            {
                foreach (var item in entry.Value.EnumerateObject())
                {
                    metadata[item.Name] = item.Value.GetString() ?? "";
                }
                continue;
            }
            var dtype = entry.Value.GetProperty("dtype").GetString();
            var elementSize = dtype switch
            {
                "F32" => 4,
                "F16" => 2,
                _ => throw new InvalidDataException($"{name}: tensor '{entry.Name}' has dtype {dtype}; only F32 and F16 are read."),
            };
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            var count = Shapes.Size(shape);
            if (offsets.Length != 2 || offsets[1] - offsets[0] != (long)count * elementSize || offsets[1] > buffer.Length || offsets[0] < 0)
            {
                throw new InvalidDataException(
                    $"{name}: tensor '{entry.Name}' claims bytes [{string.Join(", ", offsets)}) for shape {Shapes.Format(shape)} of {dtype}, " +
                    $"which does not fit the {buffer.Length} data bytes after the header (which starts at byte {dataStart}).");
            }
            var bytes = buffer.Slice((int)offsets[0], count * elementSize);
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = elementSize == 2
                    ? (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..])
                    : BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
            }
            tensors[entry.Name] = Tensor.FromArray(values, shape);
        }
        return (tensors, metadata);
    }
}
