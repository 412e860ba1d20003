namespace BrewClip.IntegrationTests;

/// <summary>
/// Two replicas of each indexing service (Ingest, Transcription, AcousticEmbedding, ImageEmbedding) against one
/// database and broker, their artifacts in an S3 bucket (s3rver), on the fixture models: 300 files are each indexed
/// once, also when one replica of each is killed (kill -9) halfway and a new one started. Done when the facts say so: every item at a final stage and every
/// queue of the deployment empty.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class ReplicaFlowTests() : FileFlowTests("replica-flow")
{
    [Fact]
    public async Task Two_replicas_of_each_service_index_every_file_once_through_a_kill_of_one_of_each()
    {
        LinkFixtureModels();
        var files = MakeMedia();
        Assert.Equal(300, files.Count);
        var settings = RecoverySettings();
        foreach (var (key, value) in await S3ArtifactSettingsAsync())
        {
            settings[key] = value;
        }
        var first = new List<ServiceProcess>();
        foreach (var project in IndexingServices)
        {
            first.Add((await StartAsync(project, settings)).Service);
            await StartAsync(project, settings);
        }

        Drop(files[..150]);
        await WaitAsync(async () => await EmbeddedAsync() >= 40, "the first items to be embedded", wholeFlow: true);
        // kill -9 one replica of each service mid-flow, drop the rest of the files, and start a replacement of each.
        foreach (var service in first)
        {
            await service.KillAsync();
        }
        Drop(files[150..]);
        foreach (var project in IndexingServices)
        {
            await StartAsync(project, settings);
        }

        await SettledAsync(files.Count);
        await AssertIndexedOnceAsync(files.Count);
        // Every artifact is in the bucket: the PCM of each recording, an encoder-states and a text-states file per
        // segment, a PNG per image; no artifact went to a local folder, and no temporary copy is left behind.
        var keys = await ArtifactKeysAsync();
        Assert.All(await Db.ColumnAsync<string>("""
            select pcm_uri from brewclip.recordings
            union all select image_uri from brewclip.images
            union all select encoder_states_uri from brewclip.recording_segments
            union all select text_states_uri from brewclip.segment_text_features
            """), uri => Assert.Contains(uri["s3://artifacts/".Length..], keys));
        Assert.False(Directory.Exists(Path.Combine(Work, "artifacts")), "an artifact was written to the local folder");
        Assert.Empty(Directory.Exists(ArtifactScratch) ? Directory.GetFiles(ArtifactScratch, "*", SearchOption.AllDirectories) : []);
    }
}
