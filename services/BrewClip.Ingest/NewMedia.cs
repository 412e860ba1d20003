using BrewClip.Media;

namespace BrewClip.Ingest;

/// <summary>What one content became: accepted with its recording and images, or rejected with a reason.</summary>
public sealed record NewMedia(byte[] ContentHash, string Kind, long SizeBytes, string? Format, double? DurationSeconds,
    string? RejectionReason, NewRecording? Recording, IReadOnlyList<NewImage> Images, SidecarTranscript? Transcript = null);
