namespace BrewClip.Autograd.Nn;

public sealed class Embedding : Module
{
    public Embedding(int vocabulary, int dim, Random random, float std = 0.02f)
    {
        Weight = AddParameter("weight", Tensor.RandomNormal(random, std, vocabulary, dim));
    }

    public Parameter Weight { get; }

    public Tensor Forward(int[] indices, params int[] indexShape) => Ops.Embedding(Weight, indices, indexShape);
}
