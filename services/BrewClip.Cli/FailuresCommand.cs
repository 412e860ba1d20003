using System.CommandLine;
using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Hosting.Options;
using BrewClip.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using BrewClip.Storage.Stages;

namespace BrewClip.Cli;

/// <summary>
/// <c>brewclip failures list</c> shows rejected media and failed recordings and images with the file each came from and why;
/// <c>brewclip failures replay</c> sends failed recordings and images through the pipeline again.
/// </summary>
internal static class FailuresCommand
{
    public static Command Create()
    {
        var kind = new Option<string?>("--kind") { Description = "Only this kind: media, recording or image." };
        var list = new Command("list", "Show rejected and failed items with their reasons.") { kind };
        list.SetAction((result, cancellationToken) => ListAsync(result.GetValue(kind), cancellationToken));

        var replayKind = new Option<string?>("--kind") { Description = "Only this kind: recording or image." };
        var id = new Option<long?>("--id") { Description = "Only the item with this id." };
        var replay = new Command("replay", "Reset failed recordings and images to their first stage and publish them again.") { replayKind, id };
        replay.SetAction((result, cancellationToken) => ReplayAsync(result.GetValue(replayKind), result.GetValue(id), cancellationToken));
        return new Command("failures", "Items the pipeline could not use.") { list, replay };
    }

    private static async Task<int> ListAsync(string? kind, CancellationToken cancellationToken)
    {
        if (kind is not (null or "media" or "recording" or "image"))
        {
            Console.Error.WriteLine($"brewclip: --kind must be media, recording or image, not '{kind}'.");
            return ExitCodes.Configuration;
        }
        var postgres = CliSettings.TryBind<PostgresOptions>(CliSettings.Load(), PostgresOptions.Section);
        if (postgres is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        // Each item with the file it came from (where its content was first seen) and how many other places had it.
        await using var command = dataSource.CreateCommand("""
            with failed as (
                select f.kind, f.id, f.since, f.reason,
                       case f.kind when 'media' then f.id
                                   when 'recording' then (select r.media_id from brewclip.recordings r where r.id = f.id)
                                   else (select i.media_id from brewclip.images i where i.id = f.id) end as media_id
                from brewclip.failures f where $1::text is null or f.kind = $1)
            select f.kind, f.id, f.since, f.reason,
                   (select s.source_name || ':' || s.object_key from brewclip.media_sources s
                    where s.media_id = f.media_id order by s.seen_at, s.source_name, s.object_key limit 1),
                   (select count(*) from brewclip.media_sources s where s.media_id = f.media_id)
            from failed f order by f.since, f.kind, f.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)kind ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var place = reader.IsDBNull(4) ? "(no file recorded)" : reader.GetString(4);
            var more = reader.GetInt64(5) > 1 ? $" (+{reader.GetInt64(5) - 1} more)" : "";
            Console.WriteLine($"{reader.GetString(0),-10} {reader.GetInt64(1),8}  {reader.GetFieldValue<DateTimeOffset>(2):u}  {place}{more}  {reader.GetString(3)}");
            count++;
        }
        Console.WriteLine(count == 0 ? "no failures" : $"{count} failures");
        return ExitCodes.Ok;
    }

    private static async Task<int> ReplayAsync(string? kind, long? id, CancellationToken cancellationToken)
    {
        if (kind is not (null or "recording" or "image"))
        {
            Console.Error.WriteLine($"brewclip: --kind must be recording or image, not '{kind}' (rejected media are not replayed: the file itself has to change).");
            return ExitCodes.Configuration;
        }
        var configuration = CliSettings.Load();
        var postgres = CliSettings.TryBind<PostgresOptions>(configuration, PostgresOptions.Section);
        var rabbitMq = CliSettings.TryBind<RabbitMqOptions>(configuration, RabbitMqOptions.Section);
        if (postgres is null || rabbitMq is null)
        {
            return ExitCodes.Configuration;
        }
        await using var dataSource = BrewClipDataSource.Create(postgres.ConnectionString);
        var messages = new List<object>();
        long[]? ids = id is null ? null : [id.Value];
        if (kind is null or "image")
        {
            var replayed = await ItemStages.Image.MoveAsync(dataSource, ids, [ImageStage.Failed], ImageStage.Ingested, cancellationToken: cancellationToken);
            messages.AddRange(replayed.Moved.Select(image => new ImageIngested(image)));
        }
        if (kind is null or "recording")
        {
            // A recording goes back to the start: its segments and vectors are rebuilt.
            var replayed = await ItemStages.Recording.MoveAsync(dataSource, ids, [RecordingStage.Failed], RecordingStage.Ingested, cancellationToken: cancellationToken);
            messages.AddRange(replayed.Moved.Select(recording => new RecordingIngested(recording)));
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(rabbitMq));
        builder.Services.AddBrewClipBus(rabbitMq, new ServiceOptions(), owner: "brewclip-cli");
        using var host = builder.Build();
        // Rows are reset before their messages go out, so a consumer never sees a message for a still-failed row.
        var sent = 0;
        try
        {
            await host.StartAsync(cancellationToken);
            var bus = host.Services.GetRequiredService<IBus>();
            foreach (var message in messages)
            {
                await bus.Publish(message, message.GetType(), cancellationToken);
                sent++;
            }
            await host.StopAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var unsent = messages.Skip(sent).Select(m => m is ImageIngested image ? $"image {image.ImageId}" : $"recording {((RecordingIngested)m).RecordingId}");
            Console.Error.WriteLine($"brewclip: publishing failed after {sent} of {messages.Count} ({e.GetBaseException().Message}). " +
                $"Reset to their first stage but not sent: {string.Join(", ", unsent)}.");
            return ExitCodes.Failed;
        }
        Console.WriteLine($"replayed {messages.Count} items");
        return ExitCodes.Ok;
    }
}
