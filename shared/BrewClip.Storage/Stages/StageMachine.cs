using Npgsql;

namespace BrewClip.Storage.Stages;

/// <summary>
/// The one place a table's stage column changes: its stages, the transitions allowed between them, and the guarded
/// update every writer uses (<see cref="MoveAsync"/>). A caller names the stages it moves items from; a pair the
/// machine does not allow is refused before anything is written, naming the item and both stages. Items found in
/// another stage are left as they are and reported, so a redelivered message changes nothing.
/// </summary>
public sealed class StageMachine<TStage> where TStage : struct, Enum
{
    private readonly HashSet<(TStage From, TStage To)> _allowed;

    public StageMachine(string table, string item, IEnumerable<(TStage From, TStage To)> allowed)
    {
        Table = table;
        Item = item;
        _allowed = [.. allowed];
    }

    /// <summary>The table, schema-qualified ("brewclip.recordings").</summary>
    public string Table { get; }

    /// <summary>What one row is called in messages ("recording").</summary>
    public string Item { get; }

    public bool Allows(TStage from, TStage to) => _allowed.Contains((from, to));

    /// <summary>The stage as the column stores it: its name in lower case.</summary>
    public static string NameOf(TStage stage) => stage.ToString().ToLowerInvariant();

    public static TStage Parse(string name) => Enum.Parse<TStage>(name, ignoreCase: true);

    /// <summary>Throws, naming both stages, unless every one of <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public void Check(IReadOnlyCollection<TStage> from, TStage to)
    {
        var refused = from.Where(f => !Allows(f, to)).Select(f => $"{NameOf(f)} -> {NameOf(to)}").ToList();
        if (refused.Count > 0)
        {
            throw new StageTransitionException($"a {Item} may not move {string.Join(", ", refused)}");
        }
    }

    /// <summary>
    /// Moves the items (<paramref name="ids"/>, or every item when null) that are in one of <paramref name="from"/> to
    /// <paramref name="to"/>, setting <c>failure_reason</c> to <paramref name="reason"/> and restarting the stage clock.
    /// An item already at <paramref name="to"/> with the same reason is left alone unless <paramref name="restart"/>
    /// (then its clock restarts and it counts as moved). Runs in <paramref name="transaction"/> when given.
    /// </summary>
    public async Task<StageMoves<TStage>> MoveAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyCollection<long>? ids, IReadOnlyCollection<TStage> from, TStage to, string? reason = null, bool restart = false,
        CancellationToken cancellationToken = default)
    {
        Check(from, to);
        var moved = new List<long>();
        await using (var update = new NpgsqlCommand($"""
            update {Table} set stage = $3, failure_reason = $4, stage_changed_at = now()
            where ($1::bigint[] is null or id = any($1)) and stage = any($2)
              and ($5 or stage <> $3 or failure_reason is distinct from $4)
            returning id
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = (object?)ids?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint });
            update.Parameters.Add(new() { Value = from.Select(NameOf).ToArray() });
            update.Parameters.Add(new() { Value = NameOf(to) });
            update.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            update.Parameters.Add(new() { Value = restart });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                moved.Add(reader.GetInt64(0));
            }
        }
        var left = new List<(long, TStage?)>();
        var rest = ids?.Distinct().Except(moved).ToArray() ?? [];
        if (rest.Length > 0)
        {
            var found = new Dictionary<long, TStage>();
            await using (var stages = new NpgsqlCommand($"select id, stage from {Table} where id = any($1)", connection, transaction))
            {
                stages.Parameters.Add(new() { Value = rest });
                await using var reader = await stages.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found[reader.GetInt64(0)] = Parse(reader.GetString(1));
                }
            }
            left.AddRange(rest.Select(id => (id, found.TryGetValue(id, out var stage) ? stage : (TStage?)null)));
        }
        return new StageMoves<TStage>(Item, to, moved, left);
    }

    /// <summary><see cref="MoveAsync(NpgsqlConnection, NpgsqlTransaction?, IReadOnlyCollection{long}?, IReadOnlyCollection{TStage}, TStage, string?, bool, CancellationToken)"/> on a connection of its own.</summary>
    public async Task<StageMoves<TStage>> MoveAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<long>? ids, IReadOnlyCollection<TStage> from, TStage to,
        string? reason = null, bool restart = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await MoveAsync(connection, null, ids, from, to, reason, restart, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restarts the clock of items that have sat at <paramref name="stage"/> longer than <paramref name="after"/>; returns them (the reconciler publishes them again).</summary>
    public async Task<List<long>> RestartStaleAsync(NpgsqlConnection connection, TStage stage, TimeSpan after, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            update {Table} set stage_changed_at = now()
            where stage = $1 and stage_changed_at < now() - $2
            returning id
            """, connection);
        command.Parameters.Add(new() { Value = NameOf(stage) });
        command.Parameters.Add(new() { Value = after });
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }
}
