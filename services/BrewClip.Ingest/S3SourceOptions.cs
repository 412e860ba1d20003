using System.Text.RegularExpressions;

namespace BrewClip.Ingest;

/// <summary>An S3-compatible bucket Ingest watches (configuration "Ingest:Buckets:N").</summary>
public sealed class S3SourceOptions
{
    /// <summary>The source's name, kept with every item it delivers.</summary>
    public string Name { get; set; } = "";

    /// <summary>The endpoint of an S3-compatible store (MinIO, s3rver); empty means AWS S3 in <see cref="Region"/>.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "";

    /// <summary>Only keys under this prefix are read.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Path-style addressing (http://host/bucket/key), which MinIO and s3rver need.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Access key and secret; empty means the SDK's usual credential chain (environment, profile, instance role).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";
}
