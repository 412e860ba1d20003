namespace BrewClip.Models.Training;

/// <summary>Each query's recall (its expected R@1, R@5 and R@10 averaged), in query order; equal when the values are.</summary>
public sealed record QueryRecalls(double[] Values)
{
    public static QueryRecalls Empty { get; } = new([]);

    public bool Equals(QueryRecalls? other) => other is not null && Values.AsSpan().SequenceEqual(other.Values);

    public override int GetHashCode() => Values.Length;
}
