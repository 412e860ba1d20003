using System.Buffers.Binary;

namespace BrewClip.Media;

/// <summary>
/// Reads the recordings Ingest writes: WAV files of 16 kHz mono PCM (16-bit integer or 32-bit float),
/// as float samples in [-1, 1].
/// </summary>
public static class PcmAudio
{
    public const int SampleRate = 16000;

    public static float[] ReadWav(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new MediaException($"the recording's audio {path} cannot be read: {e.Message}", e);
        }
        return ReadWav(bytes, path);
    }

    public static float[] ReadWav(ReadOnlySpan<byte> file, string name = "the recording")
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new MediaException($"{name} is not a WAV file (no RIFF/WAVE header).");
        }
        int? format = null, channels = null, rate = null, bits = null;
        var position = 12;
        while (position + 8 <= file.Length)
        {
            var id = file.Slice(position, 4);
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(file[(position + 4)..]);
            var body = file.Slice(position + 8, Math.Min(size, file.Length - position - 8));
            if (id.SequenceEqual("fmt "u8) && body.Length >= 16)
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == 0xFFFE && body.Length >= 26)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]); // WAVE_FORMAT_EXTENSIBLE: the sub-format
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is null)
                {
                    throw new MediaException($"{name}: the WAV data comes before its format chunk.");
                }
                if (channels != 1 || rate != SampleRate)
                {
                    throw new MediaException($"{name} is {rate} Hz with {channels} channels; recordings must be 16 kHz mono.");
                }
                return (format, bits) switch
                {
                    (1, 16) => Int16(body),
                    (3, 32) => Float32(body),
                    _ => throw new MediaException($"{name} has WAV format {format} with {bits} bits; 16-bit PCM or 32-bit float is expected."),
                };
            }
            position += 8 + size + (size & 1);
        }
        throw new MediaException($"{name} has no WAV data chunk; the file is truncated or corrupt.");
    }

    private static float[] Int16(ReadOnlySpan<byte> data)
    {
        var samples = new float[data.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(i * 2)..]) / 32768f;
        }
        return samples;
    }

    private static float[] Float32(ReadOnlySpan<byte> data)
    {
        var samples = new float[data.Length / 4];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        }
        return samples;
    }
}
