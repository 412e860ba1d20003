using System.Text.Json;

namespace BrewClip.Models.Whisper;

/// <summary>The parts of the export's <c>generation_config.json</c> greedy decoding uses.</summary>
public sealed record WhisperGenerationConfig(int MaxLength, IReadOnlyList<int> SuppressTokens, IReadOnlyList<int> BeginSuppressTokens)
{
    public static WhisperGenerationConfig Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        int[] Ids(string name) => root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(e => e.GetInt32()).ToArray()
            : [];
        return new WhisperGenerationConfig(
            root.TryGetProperty("max_length", out var max) ? max.GetInt32() : 448,
            Ids("suppress_tokens"),
            Ids("begin_suppress_tokens"));
    }
}
