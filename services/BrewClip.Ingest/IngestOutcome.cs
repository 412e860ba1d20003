using BrewClip.Media;
using BrewClip.Storage;
using FFMpegCore;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

/// <summary>How one object ended.</summary>
public enum IngestOutcome
{
    Accepted,
    Rejected,
    Duplicate,
}
