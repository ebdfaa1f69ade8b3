namespace KernelVision.Vision.Transfer;

/// <summary>Hyper-parameters of <see cref="HeadTrainer"/> (defaults follow Keras' Adam and common transfer-learning practice).</summary>
public sealed record HeadTrainingOptions
{
    /// <summary>Hidden units (0 = softmax regression; the Keras example uses 1024).</summary>
    public int Hidden { get; init; }
    /// <summary>Most passes over the training set.</summary>
    public int MaxEpochs { get; init; } = 100;
    /// <summary>Samples per Adam step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Adam step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>L2 weight decay on the weight matrices (½·λ·Σw² is added to the loss, as PyTorch's Adam(weight_decay) does; biases are not decayed).</summary>
    public float WeightDecay { get; init; } = 1e-4f;
    /// <summary>Stop after this many epochs without a lower validation loss; the best epoch's weights are kept.</summary>
    public int Patience { get; init; } = 5;
    /// <summary>Seed for the initial weights and the per-epoch shuffles.</summary>
    public ulong Seed { get; init; }
    /// <summary>Adam β1.</summary>
    public float Beta1 { get; init; } = 0.9f;
    /// <summary>Adam β2.</summary>
    public float Beta2 { get; init; } = 0.999f;
    /// <summary>Adam ε.</summary>
    public float Epsilon { get; init; } = 1e-7f;

    /// <summary>Throws <see cref="InputException"/> for values training cannot use.</summary>
    public void Validate()
    {
        if (Hidden is < 0 or > 65536) throw new InputException($"--hidden must be 0..65536, got {Hidden}");
        if (MaxEpochs is < 1 or > 100000) throw new InputException($"--epochs must be 1..100000, got {MaxEpochs}");
        if (BatchSize is < 1 or > 1 << 20) throw new InputException($"--batch-size must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0 && float.IsFinite(LearningRate))) throw new InputException($"--lr must be positive, got {LearningRate}");
        if (!(WeightDecay >= 0 && float.IsFinite(WeightDecay))) throw new InputException($"--weight-decay must be >= 0, got {WeightDecay}");
        if (Patience < 1) throw new InputException($"--patience must be at least 1, got {Patience}");
    }
}

/// <summary>One epoch's figures. Losses are mean cross-entropy (without the decay term); accuracies in 0..1; NaN when there is no validation set.</summary>
public readonly record struct EpochStats(int Epoch, double TrainLoss, double TrainAccuracy, double ValLoss, double ValAccuracy);

/// <summary>Features with integer labels: row i is <c>Features[i·Dim .. (i+1)·Dim)</c>.</summary>
public sealed record FeatureSet(float[] Features, int[] Labels, int Dim)
{
    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;
}

/// <summary>What training produced: the head (best epoch's weights) and the history.</summary>
public sealed record HeadTrainingResult(DenseHead Head, IReadOnlyList<EpochStats> History, int BestEpoch, bool StoppedEarly);

/// <summary>
/// Trains a <see cref="DenseHead"/> with mini-batch Adam (Kingma &amp; Ba, bias-corrected moments),
/// L2 weight decay on the weights, a fresh seeded shuffle each epoch, and early stopping on the
/// validation loss (on the training loss when there is no validation set).
/// </summary>
public static class HeadTrainer
{
    /// <summary>Trains on <paramref name="train"/>; <paramref name="validation"/> (may be empty) drives early stopping. <paramref name="onEpoch"/> sees each epoch as it ends.</summary>
    public static HeadTrainingResult Train(FeatureSet train, FeatureSet validation, int classes, HeadTrainingOptions options, Action<EpochStats>? onEpoch = null)
    {
        options.Validate();
        if (train.Count == 0) throw new InputException("no training images");
        var rng = new LatentRng(options.Seed);
        var head = new DenseHead(train.Dim, options.Hidden, classes);
        head.InitGlorot(rng);
        var ps = head.Parameters;
        var grads = head.NewGradients();
        var m = head.NewGradients();
        var v = head.NewGradients();
        var order = Enumerable.Range(0, train.Count).ToArray();
        var history = new List<EpochStats>();
        var best = head.Clone();
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0, step = 0;
        bool stopped = false;
        for (int epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            Shuffle(order, rng);
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                var batch = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start));
                head.Loss(train.Features, train.Labels, batch, options.WeightDecay, grads);
                step++;
                // Adam: running means of the gradient and its square, corrected for their zero start.
                double c1 = 1 - Math.Pow(options.Beta1, step), c2 = 1 - Math.Pow(options.Beta2, step);
                for (int p = 0; p < ps.Count; p++)
                {
                    float[] w = ps[p], g = grads[p], mp = m[p], vp = v[p];
                    for (int i = 0; i < w.Length; i++)
                    {
                        mp[i] = options.Beta1 * mp[i] + (1 - options.Beta1) * g[i];
                        vp[i] = options.Beta2 * vp[i] + (1 - options.Beta2) * g[i] * g[i];
                        double mHat = mp[i] / c1, vHat = vp[i] / c2;
                        w[i] -= (float)(options.LearningRate * mHat / (Math.Sqrt(vHat) + options.Epsilon));
                    }
                }
            }
            var (trainLoss, trainAcc) = Evaluate(head, train);
            var (valLoss, valAcc) = validation.Count > 0 ? Evaluate(head, validation) : (double.NaN, double.NaN);
            var stats = new EpochStats(epoch, trainLoss, trainAcc, valLoss, valAcc);
            history.Add(stats);
            onEpoch?.Invoke(stats);
            double monitored = validation.Count > 0 ? valLoss : trainLoss;
            if (monitored < bestLoss)
            {
                bestLoss = monitored;
                bestEpoch = epoch;
                head.CopyTo(best);
            }
            else if (epoch - bestEpoch >= options.Patience)
            {
                stopped = epoch < options.MaxEpochs;
                break;
            }
        }
        return new HeadTrainingResult(best, history, bestEpoch, stopped);
    }

    /// <summary>Mean cross-entropy and accuracy of <paramref name="head"/> on <paramref name="data"/>.</summary>
    public static (double Loss, double Accuracy) Evaluate(DenseHead head, FeatureSet data)
    {
        if (data.Count == 0) return (double.NaN, double.NaN);
        var probs = head.Predict(data.Features, data.Count);
        int k = head.Classes, correct = 0;
        double loss = 0;
        for (int i = 0; i < data.Count; i++)
        {
            var p = probs.AsSpan(i * k, k);
            loss -= Math.Log(Math.Max(p[data.Labels[i]], 1e-30f));
            if (ArgMax(p) == data.Labels[i]) correct++;
        }
        return (loss / data.Count, (double)correct / data.Count);
    }

    /// <summary>Index of the largest value (first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> p)
    {
        int best = 0;
        for (int i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    /// <summary>Fisher–Yates with the seeded generator, so a seed gives the same batches everywhere.</summary>
    public static void Shuffle(int[] a, LatentRng rng)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = (int)(rng.NextDouble() * (i + 1));
            (a[i], a[j]) = (a[j], a[i]);
        }
    }
}
