using System.Text.Json.Serialization;

namespace BrewClip.Contracts;

/// <summary>Source-generated serialization for every message of the bus API.</summary>
[JsonSerializable(typeof(RecordingIngested))]
[JsonSerializable(typeof(ImageIngested))]
[JsonSerializable(typeof(RecordingTranscribed))]
[JsonSerializable(typeof(RetrainRequested))]
[JsonSerializable(typeof(ModelPromoted))]
[JsonSerializable(typeof(ModelBackfillCompleted))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
