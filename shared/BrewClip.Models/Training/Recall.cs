using System.Text.Json.Serialization;

namespace BrewClip.Models.Training;

/// <summary>Recall@1/5/10 in one direction: the share of queries whose best right answer ranks within K.</summary>
public sealed record Recall(
    [property: JsonPropertyName("r1")] double R1,
    [property: JsonPropertyName("r5")] double R5,
    [property: JsonPropertyName("r10")] double R10);
