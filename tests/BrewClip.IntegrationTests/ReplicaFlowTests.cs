namespace BrewClip.IntegrationTests;

/// <summary>
/// Two replicas of each indexing service (Ingest, Transcription, AcousticEmbedding, ImageEmbedding) against one
/// database and broker, on the fixture models: 300 files are each indexed once, also when one replica of each is
/// killed (kill -9) halfway and a new one started. Done when the facts say so: every item at a final stage and every
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
        var first = new List<ServiceProcess>();
        foreach (var project in IndexingServices)
        {
            first.Add((await StartAsync(project, settings)).Service);
            await StartAsync(project, settings);
        }

        Drop(files[..150]);
        await WaitAsync(async () => await EmbeddedAsync() >= 40, "the first items to be embedded", TimeSpan.FromMinutes(5));
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

        await SettledAsync(files.Count, TimeSpan.FromMinutes(10));
        await AssertIndexedOnceAsync(files.Count);
    }
}
