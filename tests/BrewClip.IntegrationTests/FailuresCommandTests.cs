using System.Text;
using BrewClip.Testing;
using RabbitMQ.Client;

namespace BrewClip.IntegrationTests;

public sealed class FailuresCommandTests
{
    [Fact]
    public async Task Failures_are_listed_with_reasons_and_replay_resets_and_republishes_them()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var command = db.DataSource.CreateCommand("""
            insert into brewclip.sources (name, kind, location) values ('inbox', 'folder', '/data/inbox'), ('bucket', 's3', 's3://media/');
            with m as (insert into brewclip.media (content_hash, kind, status, size_bytes, rejection_reason) values (sha256('bad'), 'unknown', 'rejected', 3, 'not a media file') returning id)
            insert into brewclip.media_sources (source_name, object_key, media_id) select 'inbox', 'letters/bad.mp3', id from m;
            with m as (insert into brewclip.media (content_hash, kind, status, size_bytes) values (sha256('img'), 'image', 'accepted', 1) returning id),
                 i as (insert into brewclip.images (media_id, image_uri, stage, failure_reason) select id, 'file:///tmp/x.png', 'failed', 'not a readable image' from m)
            insert into brewclip.media_sources (source_name, object_key, media_id, seen_at)
            select 'inbox', 'photos/x.png', id, now() - interval '1 minute' from m union all select 'bucket', 'copies/x.png', id, now() from m;
            """))
        {
            await command.ExecuteNonQueryAsync();
        }
        var imageId = (long)(await db.DataSource.CreateCommand("select id from brewclip.images").ExecuteScalarAsync())!;
        var settings = StackSettings.For(db, ServiceProcess.FreePort());

        await using var list = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "failures", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("not a media file", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("not a readable image", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 failures", list.Stdout, StringComparison.Ordinal);
        // Each names the file it came from: source and key, and how many other places had the same content.
        Assert.Matches(@"media .* inbox:letters/bad\.mp3  not a media file", list.Stdout);
        Assert.Matches(@"image .* inbox:photos/x\.png \(\+1 more\)  not a readable image", list.Stdout);

        // Listen on the ImageIngested exchange (named with the deployment's prefix) as a consumer's queue would.
        var exchange = settings["BREWCLIP__RabbitMq__QueuePrefix"] + "BrewClip.Contracts:ImageIngested";
        var endpoint = TestSettings.RabbitMq;
        await using var connection = await new ConnectionFactory
        {
            HostName = endpoint.Host, Port = endpoint.Port, VirtualHost = endpoint.VirtualHost, UserName = endpoint.Username, Password = endpoint.Password,
        }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "");

        await using var replay = await ServiceProcess.RunAsync("BrewClip.Cli", settings, "failures", "replay", "--kind", "image");

        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Contains("replayed 1 items", replay.Stdout, StringComparison.Ordinal);
        Assert.Equal("ingested", (string)(await db.DataSource.CreateCommand($"select stage from brewclip.images where id = {imageId}").ExecuteScalarAsync())!);
        BasicGetResult? message = null;
        for (var i = 0; i < 50 && message is null; i++)
        {
            message = await channel.BasicGetAsync(queue, autoAck: true);
            if (message is null)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(message);
        using var envelope = System.Text.Json.JsonDocument.Parse(Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal(imageId, envelope.RootElement.GetProperty("message").GetProperty("imageId").GetInt64());
    }

    [Fact]
    public async Task Rejected_media_cannot_be_replayed()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var replay = await ServiceProcess.RunAsync("BrewClip.Cli", StackSettings.For(db, ServiceProcess.FreePort()), "failures", "replay", "--kind", "media");
        Assert.Equal(78, replay.ExitCode);
        Assert.Contains("rejected media are not replayed", replay.Stderr, StringComparison.Ordinal);
    }
}
