using System.Numerics.Tensors;

namespace KernelVision.Vision.Transfer;

/// <summary>
/// The classifier trained on top of a frozen featurizer: softmax regression
/// (<c>p = softmax(W·x + b)</c>) or, with a hidden layer as in the Keras transfer-learning example,
/// <c>p = softmax(W2·relu(W1·x + b1) + b2)</c>. Weights are row-major [out, in], the layout of
/// ONNX Gemm with transB = 1, so export copies them unchanged.
/// The forward and backward passes are plain loops over rows (each inner product one
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>), written to be read.
/// </summary>
public sealed class DenseHead
{
    /// <summary>Feature length D.</summary>
    public int InputSize { get; }
    /// <summary>Hidden units H, 0 for softmax regression.</summary>
    public int HiddenSize { get; }
    /// <summary>Number of classes K.</summary>
    public int Classes { get; }
    /// <summary>Hidden layer weights [H, D] (empty without a hidden layer).</summary>
    public float[] W1 { get; }
    /// <summary>Hidden layer bias [H].</summary>
    public float[] B1 { get; }
    /// <summary>Output layer weights [K, H] (or [K, D] without a hidden layer).</summary>
    public float[] W2 { get; }
    /// <summary>Output layer bias [K].</summary>
    public float[] B2 { get; }

    /// <summary>Inputs of the output layer: H, or D without a hidden layer.</summary>
    public int OutputFanIn => HiddenSize > 0 ? HiddenSize : InputSize;

    /// <summary>A head with zero weights (call <see cref="InitGlorot"/> before training).</summary>
    public DenseHead(int inputSize, int hiddenSize, int classes)
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), "feature length must be positive");
        if (hiddenSize < 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), "hidden size cannot be negative");
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), "need at least one class");
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Classes = classes;
        W1 = new float[hiddenSize * inputSize];
        B1 = new float[hiddenSize];
        W2 = new float[classes * OutputFanIn];
        B2 = new float[classes];
    }

    /// <summary>The trainable arrays in a fixed order (W1, B1, W2, B2; only W2, B2 without a hidden layer).</summary>
    public IReadOnlyList<float[]> Parameters => HiddenSize > 0 ? [W1, B1, W2, B2] : [W2, B2];

    /// <summary>Which of <see cref="Parameters"/> are weight matrices (weight decay applies to those, not to biases).</summary>
    public IReadOnlyList<bool> IsWeight => HiddenSize > 0 ? [true, false, true, false] : [true, false];

    /// <summary>Glorot-uniform weights (Keras' Dense default), zero biases, from a seeded generator.</summary>
    public void InitGlorot(LatentRng rng)
    {
        Fill(W1, InputSize, HiddenSize, rng);
        Fill(W2, OutputFanIn, Classes, rng);
        Array.Clear(B1);
        Array.Clear(B2);

        static void Fill(float[] w, int fanIn, int fanOut, LatentRng rng)
        {
            double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * rng.NextDouble() - 1) * limit);
        }
    }

    /// <summary>A deep copy (early stopping keeps the best epoch's weights).</summary>
    public DenseHead Clone()
    {
        var c = new DenseHead(InputSize, HiddenSize, Classes);
        CopyTo(c);
        return c;
    }

    /// <summary>Copies every parameter into <paramref name="other"/> (same sizes).</summary>
    public void CopyTo(DenseHead other)
    {
        if (other.InputSize != InputSize || other.HiddenSize != HiddenSize || other.Classes != Classes)
            throw new ArgumentException("heads differ in size");
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].AsSpan().CopyTo(other.Parameters[i]);
    }

    /// <summary>Class probabilities [n, K] for features [n, D] (row-major).</summary>
    public float[] Predict(ReadOnlySpan<float> features, int n)
    {
        var probs = new float[n * Classes];
        var hidden = new float[Math.Max(HiddenSize, 0)];
        for (int i = 0; i < n; i++)
            ForwardRow(features.Slice(i * InputSize, InputSize), hidden, probs.AsSpan(i * Classes, Classes));
        return probs;
    }

    /// <summary>One sample: hidden activations (after ReLU) and probabilities.</summary>
    private void ForwardRow(ReadOnlySpan<float> x, Span<float> hidden, Span<float> probs)
    {
        ReadOnlySpan<float> top = x;
        if (HiddenSize > 0)
        {
            for (int h = 0; h < HiddenSize; h++)
                hidden[h] = Math.Max(0f, TensorPrimitives.Dot(W1.AsSpan(h * InputSize, InputSize), x) + B1[h]);
            top = hidden;
        }
        int fan = OutputFanIn;
        for (int k = 0; k < Classes; k++) probs[k] = TensorPrimitives.Dot(W2.AsSpan(k * fan, fan), top) + B2[k];
        Softmax(probs);
    }

    /// <summary>In-place softmax, max subtracted first so exp never overflows.</summary>
    public static void Softmax(Span<float> z)
    {
        float max = TensorPrimitives.Max(z);
        double sum = 0;
        for (int k = 0; k < z.Length; k++) sum += z[k] = MathF.Exp(z[k] - max);
        for (int k = 0; k < z.Length; k++) z[k] = (float)(z[k] / sum);
    }

    /// <summary>
    /// Loss of the samples <paramref name="rows"/> of (<paramref name="features"/>, <paramref name="labels"/>):
    /// mean cross-entropy plus ½·<paramref name="weightDecay"/>·Σw² over the weight matrices; when
    /// <paramref name="grads"/> is given (arrays shaped as <see cref="Parameters"/>), they are
    /// overwritten with the loss's gradient. Backpropagation: dL/dz = (p − onehot(y)) / n at the
    /// output; through the output layer to the hidden activations, times the ReLU's 0/1 slope.
    /// </summary>
    public double Loss(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> rows, float weightDecay, IReadOnlyList<float[]>? grads = null)
    {
        int n = rows.Length, fan = OutputFanIn;
        if (n == 0) throw new ArgumentException("no samples");
        if (grads is not null) foreach (var g in grads) Array.Clear(g);
        var hidden = new float[HiddenSize];
        var probs = new float[Classes];
        var dHidden = new float[HiddenSize];
        double loss = 0;
        float inv = 1f / n;
        foreach (int r in rows)
        {
            var x = features.Slice(r * InputSize, InputSize);
            int y = labels[r];
            ForwardRow(x, hidden, probs);
            loss -= Math.Log(Math.Max(probs[y], 1e-30f));
            if (grads is null) continue;

            ReadOnlySpan<float> top = HiddenSize > 0 ? hidden : x;
            float[] gW2 = grads[HiddenSize > 0 ? 2 : 0], gB2 = grads[HiddenSize > 0 ? 3 : 1];
            Array.Clear(dHidden);
            for (int k = 0; k < Classes; k++)
            {
                float dz = (probs[k] - (k == y ? 1f : 0f)) * inv;
                gB2[k] += dz;
                // gW2[k, :] += dz · top
                TensorPrimitives.MultiplyAdd(top, dz, gW2.AsSpan(k * fan, fan), gW2.AsSpan(k * fan, fan));
                if (HiddenSize > 0) TensorPrimitives.MultiplyAdd(W2.AsSpan(k * fan, fan), dz, dHidden, dHidden);
            }
            if (HiddenSize == 0) continue;
            float[] gW1 = grads[0], gB1 = grads[1];
            for (int h = 0; h < HiddenSize; h++)
            {
                if (hidden[h] <= 0) continue; // ReLU: no gradient where it was cut off
                float d = dHidden[h];
                gB1[h] += d;
                TensorPrimitives.MultiplyAdd(x, d, gW1.AsSpan(h * InputSize, InputSize), gW1.AsSpan(h * InputSize, InputSize));
            }
        }
        loss /= n;
        var ps = Parameters;
        var isW = IsWeight;
        for (int i = 0; i < ps.Count; i++)
        {
            if (!isW[i] || weightDecay == 0) continue;
            loss += 0.5 * weightDecay * TensorPrimitives.Dot(ps[i], ps[i]);
            if (grads is not null) TensorPrimitives.MultiplyAdd(ps[i], weightDecay, grads[i], grads[i]);
        }
        return loss;
    }

    /// <summary>Zero arrays shaped like <see cref="Parameters"/>.</summary>
    public float[][] NewGradients() => Parameters.Select(p => new float[p.Length]).ToArray();
}
