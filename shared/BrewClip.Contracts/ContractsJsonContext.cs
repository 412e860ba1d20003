using System.Text.Json.Serialization;

namespace BrewClip.Contracts;

/// <summary>Source-generated serialization for every message of the bus API.</summary>
[JsonSerializable(typeof(RecordingIngested))]
[JsonSerializable(typeof(ImageIngested))]
[JsonSerializable(typeof(RecordingTranscribed))]
[JsonSerializable(typeof(RetrainRequested))]
[JsonSerializable(typeof(ModelPromoted))]
[JsonSerializable(typeof(ModelBackfillCompleted))]
[JsonSerializable(typeof(ModelBackfillFailed))]
[JsonSerializable(typeof(ModelActivated))]
[JsonSerializable(typeof(PromoteModel))]
[JsonSerializable(typeof(ActivateModel))]
[JsonSerializable(typeof(ModelRequestAccepted))]
[JsonSerializable(typeof(ModelRequestRefused))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
