using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen;

public static partial class Kernels
{
    // Columns per prepacked panel: four vectors, the width of the 3 × 4-vector kernel at 256 bits and of the 6 × 4-vector
    // one at 512. A constant for the JIT and for NativeAOT.
    internal static int PrepackedPanel => Vector512.IsHardwareAccelerated ? 64 : 32;

    /// <summary>
    /// Prepares <paramref name="b"/> (k × n, row-major) for the <see cref="GemmPrepacked"/> products of <paramref name="m"/>
    /// rows that follow: with 4 or more rows and rows of b a multiple of 64 floats apart, or a large product, copies b once
    /// into <paramref name="buffer"/> as panels of full depth (64 columns with AVX-512, 32 with AVX2) and returns that part
    /// of it. Elsewhere (a CPU without AVX2, n not a multiple of the panel width, few rows) it copies nothing and returns
    /// an empty span, which <see cref="GemmPrepacked"/> takes as "use b". A recurrent layer packs its recurrent kernel
    /// once per batch and runs one product per time step over it.
    /// </summary>
    /// <param name="b">The right operand, k × n, row-major.</param>
    /// <param name="buffer">
    /// At least k × n floats, overwritten when b is packed; or empty, as <see cref="PanelBuffer"/> returns it where packing
    /// never pays, and then nothing is packed. A buffer of any other length is refused on every CPU.
    /// </param>
    /// <param name="m">Rows of the products that will use the packed operand.</param>
    /// <param name="n">Columns of b.</param>
    /// <param name="k">Rows of b (the products' depth).</param>
    /// <returns>The packed operand (k × n floats of <paramref name="buffer"/>), or an empty span when packing does not pay.</returns>
    public static ReadOnlySpan<float> PackPanels(ReadOnlySpan<float> b, Span<float> buffer, int m, int n, int k)
    {
        CheckGemm(0, b.Length, 0, 0, n, k);
        if (m < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must be non-negative (m={m}).");
        }
        // Checked on every CPU, whether or not this one packs: a short buffer is the caller's error everywhere. An empty
        // one is PanelBuffer's "packing never pays here".
        if (!buffer.IsEmpty && buffer.Length < k * n)
        {
            throw new ArgumentException($"buffer has {buffer.Length} floats, the packed ({k}x{n}) operand needs {k * n} (or none, as PanelBuffer returns where packing never pays).", nameof(buffer));
        }
        if (buffer.IsEmpty || !UsesPanels(m, n, k))
        {
            return default;
        }
        ref float src = ref MemoryMarshal.GetReference(b);
        ref float dst = ref MemoryMarshal.GetReference(buffer);
        int panel = PrepackedPanel;
        for (int j = 0; j < n; j += panel)
        {
            // Panel j / panel: rows 0..k-1 of columns j..j+panel-1, one after another.
            CopyPanel(Vector512.IsHardwareAccelerated, ref Unsafe.Add(ref src, j), n, ref Unsafe.Add(ref dst, j * k), k);
        }
        return buffer.Slice(0, k * n);
    }

    /// <summary>
    /// A buffer for <see cref="PackPanels"/> of a (k × n) operand used by products of up to <paramref name="maxRows"/>
    /// rows: k × n floats (64-byte aligned) where packing pays for some of those row counts on this CPU (AVX2 or AVX-512,
    /// n a multiple of the panel width, and 4 or more rows with rows of b a multiple of 64 floats apart, or a large
    /// product); an empty array elsewhere, so that a model that never packs (a CPU without AVX2, single-sample inference)
    /// does not hold a copy of its recurrent kernels. Packing pays for m rows only if it pays for more, so the answer for
    /// <paramref name="maxRows"/> covers every smaller batch.
    /// </summary>
    /// <param name="maxRows">The most rows a product over the packed operand will have (the model's MaxBatch).</param>
    /// <param name="n">Columns of b.</param>
    /// <param name="k">Rows of b.</param>
    /// <returns>k × n floats, or an empty array where no product of up to maxRows rows packs on this CPU.</returns>
    public static float[] PanelBuffer(int maxRows, int n, int k)
    {
        if (maxRows < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(maxRows < 0 ? nameof(maxRows) : n < 0 ? nameof(n) : nameof(k), $"Sizes must be non-negative (maxRows={maxRows}, n={n}, k={k}).");
        }
        return PanelsPay(maxRows, n, k) ? AllocateAligned(checked(k * n)) : [];
    }

    /// <summary>
    /// <c>c += a · b</c> with <paramref name="a"/> (m, k), <paramref name="b"/> (k, n) and <paramref name="c"/> (m, n)
    /// row-major, reading b from <paramref name="packed"/> when <see cref="PackPanels"/> packed it for m rows (empty:
    /// from b). The result is <see cref="Gemm"/>'s with <c>accumulate: true</c>, bit for bit: every element of c is the
    /// same multiply-add chain over the depth in order, whichever operand it reads. Inside a <see cref="ProductSplitter"/>
    /// scope a large product from panels is split by panels between the thread and the splitter's helper.
    /// </summary>
    /// <param name="a">The left operand, m × k.</param>
    /// <param name="packed">b as <see cref="PackPanels"/> returned it for m rows, or empty.</param>
    /// <param name="b">The right operand, k × n (read when <paramref name="packed"/> is empty).</param>
    /// <param name="c">The product is added to its first m × n floats.</param>
    /// <param name="m">Rows of a and c.</param>
    /// <param name="n">Columns of b and c.</param>
    /// <param name="k">Columns of a, rows of b.</param>
    public static void GemmPrepacked(ReadOnlySpan<float> a, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        CheckGemm(a.Length, b.Length, c.Length, m, n, k);
        if (!packed.IsEmpty && packed.Length != k * n)
        {
            throw new ArgumentException($"packed has {packed.Length} floats, expected {k * n} (PackPanels's result for ({k}x{n}) and {m} rows).", nameof(packed));
        }
        if (packed.IsEmpty || !UsesPanels(m, n, k))
        {
            GemmCore(ref MemoryMarshal.GetReference(a), k, 1, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), m, n, k);
            return;
        }
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float pr = ref MemoryMarshal.GetReference(packed);
        ref float cr = ref MemoryMarshal.GetReference(c);
        if (!ColumnHelper.TrySplitPanels(ref ar, ref pr, ref cr, m, n, k))
        {
            PrepackedPanels(ref ar, ref pr, ref cr, m, n, k, 0, n);
        }
    }

    /// <summary>
    /// A buffer for <see cref="PackProjection"/> of a recurrent layer's input kernel (k × n) for batches of up to
    /// <paramref name="maxRows"/> rows over <paramref name="steps"/> steps: k × n floats (64-byte aligned) where a per-step
    /// projection pays for some of those batches on this CPU, an empty array elsewhere (then the layer projects all
    /// steps at once, as without a buffer).
    /// </summary>
    /// <param name="maxRows">The most rows (samples) of a batch (the model's MaxBatch).</param>
    /// <param name="steps">Time steps of the layer's input.</param>
    /// <param name="n">Columns of the kernel (the gates).</param>
    /// <param name="k">Rows of the kernel (the input features).</param>
    /// <returns>k × n floats, or an empty array where no batch of up to maxRows rows projects per step on this CPU.</returns>
    public static float[] ProjectionPanelBuffer(int maxRows, int steps, int n, int k)
    {
        if (maxRows < 0 || steps < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(maxRows < 0 ? nameof(maxRows) : steps < 0 ? nameof(steps) : n < 0 ? nameof(n) : nameof(k), $"Sizes must be non-negative (maxRows={maxRows}, steps={steps}, n={n}, k={k}).");
        }
        return ProjectionPerStepPays(maxRows, steps, n, k, t_projectPerStep) ? AllocateAligned(checked(k * n)) : [];
    }

    /// <summary>
    /// Decides how a recurrent layer projects its input: returns the input kernel <paramref name="kernel"/> (k × n) packed
    /// into <paramref name="buffer"/> when each step's projection (<see cref="GemmBiasPrepacked"/>, run just before that
    /// step's recurrent product) pays, or an empty span when one product over all steps (<see cref="GemmBias"/>) does.
    /// Per step pays on CPUs that pack panels (AVX2, AVX-512), with 4 or more rows, n a multiple of the panel width,
    /// and at least 256 K floats of gates in all (1 MB, beyond the L2 of many cores): then each step's gates are written
    /// just before they are read, in cache, instead of all steps' being written to memory first and read back one step
    /// at a time (W4's forward, 64 × 100 steps × 2048 gates: 0.95–1.02x the time in paired runs, median 0.98x; half the
    /// gates' memory traffic, which the cores of a server share). The two give the same bits.
    /// </summary>
    /// <param name="kernel">The input kernel, k × n, row-major.</param>
    /// <param name="buffer">At least k × n floats (overwritten when packed), or empty (<see cref="ProjectionPanelBuffer"/>).</param>
    /// <param name="rows">Rows (samples) of this batch.</param>
    /// <param name="steps">Time steps of the layer's input.</param>
    /// <param name="n">Columns of the kernel.</param>
    /// <param name="k">Rows of the kernel.</param>
    /// <returns>The packed kernel for per-step projections, or empty: project all steps at once.</returns>
    public static ReadOnlySpan<float> PackProjection(ReadOnlySpan<float> kernel, Span<float> buffer, int rows, int steps, int n, int k)
    {
        CheckGemm(0, kernel.Length, 0, 0, n, k);
        if (rows < 0 || steps < 0)
        {
            throw new ArgumentOutOfRangeException(rows < 0 ? nameof(rows) : nameof(steps), $"Sizes must be non-negative (rows={rows}, steps={steps}).");
        }
        // Checked on every CPU, whether or not this one packs, as PackPanels does.
        if (!buffer.IsEmpty && buffer.Length < k * n)
        {
            throw new ArgumentException($"buffer has {buffer.Length} floats, the packed ({k}x{n}) kernel needs {k * n} (or none, as ProjectionPanelBuffer returns where a per-step projection never pays).", nameof(buffer));
        }
        if (buffer.IsEmpty || t_panelsOff || !ProjectionPerStepPays(rows, steps, n, k, t_projectPerStep))
        {
            return default;
        }
        return PackPanels(kernel, buffer, rows, n, k);
    }

    /// <summary>
    /// One step's input projection from a kernel packed by <see cref="PackProjection"/>: <c>c = a · b + bias</c>, with the
    /// bits of <see cref="GemmBias"/> (each element starts from its bias, then one multiply-add chain over k in order), so
    /// a layer that projects per step gets what one projection of all steps gives. An empty <paramref name="bias"/>
    /// means no bias; an empty <paramref name="packed"/> reads b.
    /// </summary>
    /// <param name="a">The step's input, m × k.</param>
    /// <param name="packed">b as <see cref="PackProjection"/> returned it, or empty.</param>
    /// <param name="b">The kernel, k × n.</param>
    /// <param name="bias">n floats, or empty.</param>
    /// <param name="c">The step's gates: its first m × n floats are overwritten.</param>
    /// <param name="m">Rows of a and c.</param>
    /// <param name="n">Columns of b and c.</param>
    /// <param name="k">Columns of a, rows of b.</param>
    public static void GemmBiasPrepacked(ReadOnlySpan<float> a, ReadOnlySpan<float> packed, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int n, int k)
    {
        CheckGemm(a.Length, b.Length, c.Length, m, n, k);
        FillBias(bias, c, m, n);
        GemmPrepacked(a, packed, b, c, m, n, k);
    }

    // Gates of all steps from which a per-step projection pays (measured on an AVX-512 Xeon: W4's 13 M floats 0.88–0.97x
    // the time of one projection in a kernel-level harness and 0.95–1.02x in the model; W1 at batch 32, 330 K floats,
    // 0.98x, level within noise).
    private const long ProjectionPerStepFloats = 256 * 1024;

    private static bool ProjectionPerStepPays(int rows, int steps, int n, int k, bool always) =>
        steps > 1 && PanelsPay(rows, n, k) && (always || (long)rows * steps * n >= ProjectionPerStepFloats);

    [ThreadStatic] private static bool t_projectPerStep;

    /// <summary>
    /// For tests: project per step on this thread wherever panels pay, whatever the size (same bits either way); set it
    /// before constructing the model too, so that its buffer is allocated.
    /// </summary>
    internal static bool ProjectPerStepAlways { get => t_projectPerStep; set => t_projectPerStep = value; }

    // Columns j0..j1 (multiples of 32) of c (m × n) += a (m × k) · the packed panels: what GemmPrepacked runs, on one
    // thread, or split between a thread and its column helper.
    internal static void PrepackedPanels(ref float a, ref float packed, ref float c, int m, int n, int k, int j0, int j1)
    {
        int panel = PrepackedPanel;
        for (int j = j0; j < j1; j += panel)
        {
            PanelRows(Vector512.IsHardwareAccelerated, ref a, k, 1, ref Unsafe.Add(ref packed, j * k), ref Unsafe.Add(ref c, j), m, n, k);
        }
    }

    // Where packing pays for the per-step product: at 256 bits where Gemm would take its packed path; at 512 bits with
    // the same rule (4+ rows and rows of b a multiple of 64 floats apart, or a large product), though Gemm itself packs
    // only large products there: packed once per batch, the panels cost nothing per step (W1's (32 × 128)·(128 × 512)
    // measured 1.2–1.35x faster than read in place). The products GemmPrepacked runs from full-depth panels (split by
    // panels where a column helper is installed), with the same result. Tests turn it off on their thread to compare
    // with the products that read b in place.
    private static bool UsesPanels(int m, int n, int k) => PanelsPay(m, n, k) && !t_panelsOff;

    [ThreadStatic] private static bool t_panelsOff;

    /// <summary>For tests: whether PackPanels and GemmPrepacked on this thread read the right operand in place.</summary>
    internal static bool PanelsOff { get => t_panelsOff; set => t_panelsOff = value; }

    // The CPU and size part of UsesPanels (PanelsOff is per thread). Monotone in m: ShouldPack256 only asks for at least
    // so many rows.
    private static bool PanelsPay(int m, int n, int k) =>
        (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated) && k > 0 && m > 0 && n >= PrepackedPanel &&
        (n & (PrepackedPanel - 1)) == 0 && ShouldPack256(m, n, k);
}
