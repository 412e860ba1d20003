using System.ComponentModel.DataAnnotations;
using BrewClip.Storage.Artifacts;

namespace BrewClip.Storage;

/// <summary>Where large artifacts are written (configuration section "Artifacts").</summary>
public sealed class ArtifactOptions : IValidatableObject
{
    public const string Section = "Artifacts";

    /// <summary>filesystem (files under <see cref="Root"/>, one disk every service mounts) or s3 (a bucket every service reaches).</summary>
    [RegularExpression("^(filesystem|s3)$", ErrorMessage = "must be filesystem or s3")]
    public string Store { get; set; } = "filesystem";

    /// <summary>The artifact folder of the filesystem store; empty means BREWCLIP_ARTIFACTS, else ./artifacts.</summary>
    public string Root { get; set; } = "";

    /// <summary>The S3 store's bucket, and the prefix its keys go under (one deployment's artifacts apart from another's).</summary>
    public string Bucket { get; set; } = "";

    public string Prefix { get; set; } = "";

    /// <summary>An S3-compatible endpoint (MinIO, s3rver); empty means AWS S3 in <see cref="Region"/>.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (http://host/bucket/key), which MinIO and s3rver need.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Empty means the SDK's usual credential chain (environment, profile, instance role).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Where the S3 store stages uploads and downloads (deleted when done); empty means the system's temporary folder.</summary>
    public string Scratch { get; set; } = "";

    /// <summary>The store these options name (validate them first).</summary>
    public IArtifactStore CreateStore() => Store == "s3"
        ? new S3ArtifactStore(new S3Endpoint(ServiceUrl, Region, ForcePathStyle, AccessKey, SecretKey), Bucket, Prefix,
            string.IsNullOrWhiteSpace(Scratch) ? Path.Combine(Path.GetTempPath(), "brewclip-artifacts") : Scratch)
        : FileSystemArtifactStore.FromEnvironment(Root);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Store == "s3" && string.IsNullOrWhiteSpace(Bucket))
        {
            yield return new ValidationResult("is required when Artifacts:Store is s3", [nameof(Bucket)]);
        }
        if (Store == "s3" && AccessKey.Length > 0 != SecretKey.Length > 0)
        {
            yield return new ValidationResult("must be given with Artifacts:AccessKey (both or neither)", [nameof(SecretKey)]);
        }
    }
}
