using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using BrewClip.Autograd.Safetensors;

namespace BrewClip.Autograd.Tests;

public sealed class SafetensorsTests
{
    [Fact]
    public void Float32_roundtrips_exactly_with_metadata()
    {
        var random = new Random(1);
        var tensors = new List<KeyValuePair<string, Tensor>>
        {
            new("head.weight", Tensor.RandomNormal(random, 1, 4, 3)),
            new("head.bias", Tensor.RandomNormal(random, 1, 4)),
            new("scale", Tensor.FromArray([float.Epsilon], 1)),
        };
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, tensors, metadata: new Dictionary<string, string> { ["version"] = "3" });
        stream.Position = 0;

        var (read, metadata) = SafetensorsFile.Read(stream);

        Assert.Equal("3", metadata["version"]);
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(tensor.Shape, read[name].Shape);
            Assert.Equal(tensor.ToArray(), read[name].ToArray());
        }
    }

    [Fact]
    public void Float16_roundtrips_to_the_nearest_half()
    {
        var values = Tensor.RandomNormal(new Random(2), 3, 5, 7);
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, [new("w", values)], SafetensorsDType.F16);
        stream.Position = 0;
        var read = SafetensorsFile.Read(stream).Tensors["w"].ToArray();
        Assert.Equal(values.ToArray().Select(v => (float)(Half)v).ToArray(), read);
    }

    [Fact]
    public void A_file_written_by_hand_from_the_format_description_reads_back_exactly()
    {
        // 8-byte little-endian header size, JSON header, then little-endian data at the given offsets.
        const string header = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[3],"data_offsets":[16,22]}}""";
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(header));
        foreach (var v in new[] { 1f, -2f, 0.5f, 3f })
        {
            bytes.AddRange(BitConverter.GetBytes(v));
        }
        // float16 of 1, 0.5 and -2: 0x3C00, 0x3800, 0xC000 (little-endian)
        bytes.AddRange(new byte[] { 0x00, 0x3C, 0x00, 0x38, 0x00, 0xC0 });

        var (tensors, metadata) = SafetensorsFile.Read(new MemoryStream(bytes.ToArray()));

        Assert.Equal("pt", metadata["format"]);
        Assert.Equal([2, 2], tensors["a"].Shape);
        Assert.Equal([1f, -2f, 0.5f, 3f], tensors["a"].ToArray());
        Assert.Equal([1f, 0.5f, -2f], tensors["b"].ToArray());
    }

    [Fact]
    public void Written_bytes_follow_the_format_description()
    {
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, [new("x", Tensor.FromArray([1f, 2f], 2)), new("y", Tensor.FromArray([-1f], 1, 1))], SafetensorsDType.F32);
        var bytes = stream.ToArray();

        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd(' '));
        var y = header.RootElement.GetProperty("y");
        Assert.Equal("F32", y.GetProperty("dtype").GetString());
        Assert.Equal([1, 1], y.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([8L, 12L], y.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        var data = bytes.AsSpan(8 + headerLength);
        Assert.Equal(12, data.Length);
        Assert.Equal(2f, BinaryPrimitives.ReadSingleLittleEndian(data[4..]));
        Assert.Equal(-1f, BinaryPrimitives.ReadSingleLittleEndian(data[8..]));
    }

    [Fact]
    public void Offsets_that_do_not_fit_are_refused()
    {
        const string header = """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""";
        var bytes = BitConverter.GetBytes((ulong)header.Length).Concat(Encoding.UTF8.GetBytes(header)).Concat(new byte[8]).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(new MemoryStream(bytes)));
        Assert.Contains("'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_dtype_is_named()
    {
        const string header = """{"a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}""";
        var bytes = BitConverter.GetBytes((ulong)header.Length).Concat(Encoding.UTF8.GetBytes(header)).Concat(new byte[2]).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(new MemoryStream(bytes)));
        Assert.Contains("BF16", e.Message, StringComparison.Ordinal);
    }
}
