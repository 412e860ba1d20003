using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace BrewClip.Ingest;

public sealed partial class IngestOptions : IValidatableObject
{
    public const string Section = "Ingest";

    public List<FolderSourceOptions> Folders { get; set; } = [];

    public List<S3SourceOptions> Buckets { get; set; } = [];

    /// <summary>How often a bucket is listed for keys after the last one read; a full listing runs every <see cref="RescanIntervalMs"/>.</summary>
    [Range(100, 86_400_000)]
    public int PollIntervalMs { get; set; } = 5000;

    /// <summary>A file is read once its size and modification time have not changed for this long.</summary>
    [Range(0, 3_600_000)]
    public int StableForMs { get; set; } = 2000;

    /// <summary>Full rescans of every folder, catching what the change notifications missed.</summary>
    [Range(100, 86_400_000)]
    public int RescanIntervalMs { get; set; } = 30_000;

    /// <summary>
    /// Instances watching the same source take turns: one reads it while it holds the source's lease, checked this
    /// often; the others ask this often whether it is free, and one takes over within about this long of its holder
    /// stopping or dying.
    /// </summary>
    [Range(100, 600_000)]
    public int LeaseCheckIntervalMs { get; set; } = 5000;

    /// <summary>Files larger than this are rejected without being decoded.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 4L << 30;

    // Ingest:MaxImagePixels is BrewClip.Media.ImageLimitOptions: Search refuses query images over the same limit.

    /// <summary>Audio and video longer than this are rejected.</summary>
    [Range(1.0, 604_800.0)]
    public double MaxDurationSeconds { get; set; } = 3 * 3600;

    /// <summary>Frames taken from each video, at the centres of equal spans of its duration.</summary>
    [Range(1, 64)]
    public int VideoFrames { get; set; } = 4;

    /// <summary>
    /// Beside each image and video frame, also store CLIP's 224x224 centre crop as raw RGB, made by the
    /// same ffmpeg process that writes the PNG, so ImageEmbedding does not decode the image again.
    /// </summary>
    public bool ClipCrops { get; set; } = true;

    /// <summary>
    /// Keep the crops once each image's CLIP embedding is cached. By default Ingest deletes them then (150 KB an
    /// image): promotions re-embed from the cached embeddings, and a CLIP rerun would decode the stored image.
    /// </summary>
    public bool KeepClipCrops { get; set; }

    /// <summary>How often Ingest looks for crops whose embeddings are cached, to delete them.</summary>
    [Range(1, 86_400)]
    public int CropReleaseIntervalSeconds { get; set; } = 30;

    /// <summary>
    /// The longest side of the PNG stored for each image and video frame (scaled down, aspect kept; 0 keeps
    /// full size). The original stays where it was found; the stored copy is for previews and for decoding
    /// again, and a full-size PNG of a camera photo is several times its JPEG and slow to encode.
    /// </summary>
    [Range(0, 65_535)]
    public int StoredImageMaxSide { get; set; } = 1024;

    /// <summary>Files being hashed and decoded at once; scanning waits while this many are in flight.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>An item still at its ingested stage after this long has its message published again.</summary>
    [Range(1, 604_800)]
    public int ReconcileAfterSeconds { get; set; } = 900;

    /// <summary>How often the reconciler looks for such items.</summary>
    [Range(1, 86_400)]
    public int ReconcileIntervalSeconds { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Folders.Count; i++)
        {
            var folder = Folders[i];
            if (!SourceName().IsMatch(folder.Name))
            {
                yield return new ValidationResult($"'{folder.Name}' is not a source name (lowercase letters, digits, '.', '_', '-', at most 64).", [$"Folders:{i}:Name"]);
            }
            else if (!names.Add(folder.Name))
            {
                yield return new ValidationResult($"the source name '{folder.Name}' is used twice.", [$"Folders:{i}:Name"]);
            }
            if (string.IsNullOrWhiteSpace(folder.Path) || !Directory.Exists(folder.Path))
            {
                yield return new ValidationResult($"the folder '{folder.Path}' does not exist.", [$"Folders:{i}:Path"]);
            }
        }
        foreach (var result in ValidateBuckets(names))
        {
            yield return result;
        }
    }

    private IEnumerable<ValidationResult> ValidateBuckets(HashSet<string> names)
    {
        for (var i = 0; i < Buckets.Count; i++)
        {
            var bucket = Buckets[i];
            if (!SourceName().IsMatch(bucket.Name))
            {
                yield return new ValidationResult($"'{bucket.Name}' is not a source name (lowercase letters, digits, '.', '_', '-', at most 64).", [$"Buckets:{i}:Name"]);
            }
            else if (!names.Add(bucket.Name))
            {
                yield return new ValidationResult($"the source name '{bucket.Name}' is used twice.", [$"Buckets:{i}:Name"]);
            }
            if (string.IsNullOrWhiteSpace(bucket.Bucket))
            {
                yield return new ValidationResult("a bucket name is required.", [$"Buckets:{i}:Bucket"]);
            }
            if (bucket.ServiceUrl.Length > 0 && !(Uri.TryCreate(bucket.ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                yield return new ValidationResult($"'{bucket.ServiceUrl}' is not an http(s) URL.", [$"Buckets:{i}:ServiceUrl"]);
            }
            if ((bucket.AccessKey.Length == 0) != (bucket.SecretKey.Length == 0))
            {
                yield return new ValidationResult("set both AccessKey and SecretKey, or neither.", [$"Buckets:{i}:SecretKey"]);
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex SourceName();
}
