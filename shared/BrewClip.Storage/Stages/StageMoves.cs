namespace BrewClip.Storage.Stages;

/// <summary>
/// What a <see cref="StageMachine{TStage}.MoveAsync"/> did: the items it moved, and each item it left where it was
/// with that stage (null: no such item).
/// </summary>
public sealed record StageMoves<TStage>(string Item, TStage To, IReadOnlyList<long> Moved, IReadOnlyList<(long Id, TStage? Stage)> Left)
    where TStage : struct, Enum
{
    /// <summary>Throws, naming each item and its stage, when any item asked for was not moved.</summary>
    public StageMoves<TStage> ThrowIfAnyLeft()
    {
        if (Left.Count > 0)
        {
            throw new StageTransitionException(string.Join("; ", Left.Select(l => l.Stage is { } stage
                ? $"{Item} {l.Id} is {StageMachine<TStage>.NameOf(stage)}: {StageMachine<TStage>.NameOf(stage)} -> {StageMachine<TStage>.NameOf(To)} is not allowed here"
                : $"there is no {Item} {l.Id}")));
        }
        return this;
    }
}
