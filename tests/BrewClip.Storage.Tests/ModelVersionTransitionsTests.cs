using BrewClip.Storage.ModelVersions;

namespace BrewClip.Storage.Tests;

public sealed class ModelVersionTransitionsTests
{
    [Theory]
    [InlineData(ModelVersionStatus.Candidate, ModelVersionStatus.Backfilling)]
    [InlineData(ModelVersionStatus.Candidate, ModelVersionStatus.Rejected)]
    [InlineData(ModelVersionStatus.Backfilling, ModelVersionStatus.Active)]
    [InlineData(ModelVersionStatus.Backfilling, ModelVersionStatus.Rejected)]
    [InlineData(ModelVersionStatus.Active, ModelVersionStatus.Retired)]
    [InlineData(ModelVersionStatus.Retired, ModelVersionStatus.Active)]
    public void Moves_of_a_version_s_life_are_allowed(ModelVersionStatus from, ModelVersionStatus to)
    {
        Assert.True(ModelVersionTransitions.IsAllowed(from, to));
        ModelVersionTransitions.Check(3, from, to);
    }

    [Theory]
    [InlineData(ModelVersionStatus.Candidate, ModelVersionStatus.Active, "candidate to active")]
    [InlineData(ModelVersionStatus.Rejected, ModelVersionStatus.Backfilling, "rejected to backfilling")]
    [InlineData(ModelVersionStatus.Active, ModelVersionStatus.Rejected, "active to rejected")]
    [InlineData(ModelVersionStatus.Retired, ModelVersionStatus.Backfilling, "retired to backfilling")]
    public void Any_other_move_is_an_error_naming_the_version_and_both_statuses(ModelVersionStatus from, ModelVersionStatus to, string named)
    {
        var e = Assert.Throws<InvalidModelVersionTransitionException>(() => ModelVersionTransitions.Check(7, from, to));
        Assert.Equal($"Model version 7 cannot go from {named}.", e.Message);
    }

    [Fact]
    public void Statuses_round_trip_through_their_database_names()
    {
        foreach (var status in Enum.GetValues<ModelVersionStatus>())
        {
            Assert.Equal(status, ModelVersionTransitions.Parse(status.ToDatabase()));
        }
        Assert.Throws<InvalidDataException>(() => ModelVersionTransitions.Parse("activ"));
    }
}
