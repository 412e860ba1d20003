using Amazon.Runtime;
using Amazon.S3;

namespace BrewClip.Storage.Artifacts;

/// <summary>Where an S3-compatible store answers and how to sign in: AWS S3 in a region, or MinIO, s3rver and the like at a URL.</summary>
public sealed record S3Endpoint(string ServiceUrl, string Region, bool ForcePathStyle, string AccessKey, string SecretKey)
{
    /// <summary>A client for the endpoint; empty credentials mean the SDK's usual chain (environment, profile, instance role).</summary>
    public AmazonS3Client CreateClient()
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = ForcePathStyle,
            // Checksums only where S3 requires them: S3-compatible stores do not all accept the newer trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (ServiceUrl.Length > 0)
        {
            config.ServiceURL = ServiceUrl;
            config.AuthenticationRegion = Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(Region);
        }
        return AccessKey.Length > 0
            ? new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), config)
            : new AmazonS3Client(config);
    }
}
