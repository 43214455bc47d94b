using System.Linq;
using System.Runtime.CompilerServices;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Snapshots of the generated source, one model per mode and per layer kind, plus the type shapes the emitter must
/// re-open (global namespace, nested, generic container). Each output must also compile with no error and no warning.
/// </summary>
public sealed class SnapshotTests
{
    private const string Usings = "using LstmGen;\n\n";

    /// <summary>Generates <paramref name="source"/>, expects exactly one file named <paramref name="hintName"/>, compares it with its snapshot.</summary>
    private static void VerifyModel(string source, string hintName, [CallerMemberName] string testName = "", [CallerFilePath] string sourceFile = "")
    {
        Compilation compilation = CreateCompilation(Usings + source);
        // Valid models: no diagnostic but the Info that a long sequence loops (LSTMGEN201).
        Assert.Empty(RunAnalyzer(compilation).Where(d => d.Id != "LSTMGEN201"));

        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        GeneratedSourceResult generated = Assert.Single(run.Result.GeneratedSources);
        Assert.Equal(hintName, GeneratorRun.Readable(generated.HintName));
        Assert.Matches(@"\.[0-9a-f]{8}\.g\.cs$", generated.HintName);
        AssertCompilesCleanly(run.Output);
        Snapshot.Verify(generated.SourceText.ToString(), hintName, testName, sourceFile);
    }

    [Fact]
    public void OneToOne() => VerifyModel("""
        namespace Models;

        [Sequential, Input(4), Dense(8, Activation = Activation.Relu), Dense(3, Activation = Activation.Softmax)]
        public partial class OneToOne;
        """, "Models.OneToOne.g.cs");

    [Fact]
    public void Gru_StackedResetAfterAndBefore() => VerifyModel("""
        namespace Models;

        [Sequential, Input(6, 3), Gru(8, ReturnSequences = true), Gru(4, ResetAfter = false), Dense(1)]
        public partial class GruStack;
        """, "Models.GruStack.g.cs");

    [Fact]
    public void SimpleRnn_WithDropout() => VerifyModel("""
        namespace Models;

        [Sequential, Input(5, 2), SimpleRnn(6, ReturnSequences = true, Dropout = 0.2, RecurrentDropout = 0.1), Dropout(0.3), TimeDistributed, Dense(1)]
        public partial class RnnDropout;
        """, "Models.RnnDropout.g.cs");

    /// <summary>
    /// Recurrent kernels packed once per batch: the GRU (reset after, recurrent dropout: the dropped-gradient path) over
    /// 3 × 32 columns forward and 32 backward, the SimpleRNN over 32 both ways; panel buffers from Kernels.PanelBuffer.
    /// </summary>
    [Fact]
    public void Gru_SimpleRnn_PackedPanels() => VerifyModel("""
        namespace Models;

        [Sequential, Input(4, 3), Gru(32, ReturnSequences = true, RecurrentDropout = 0.1), SimpleRnn(32), Dense(1)]
        public partial class RecurrentPanels;
        """, "Models.RecurrentPanels.g.cs");

    [Fact]
    public void Dropout_SpatialDropout_Activation() => VerifyModel("""
        namespace Models;

        [Sequential]
        [Input(8)]
        [Embedding(100, 8, MaskZero = true)]
        [SpatialDropout1D(0.2)]
        [Bidirectional, Gru(4)]
        [Dropout(0.5, Seed = 3)]
        [Dense(2)]
        [Activation(Activation.Softmax)]
        public partial class Classifier;
        """, "Models.Classifier.g.cs");

    [Fact]
    public void Conv1D_Pooling_Lstm() => VerifyModel("""
        namespace Models;

        [Sequential, Input(30, 4), Conv1D(8, 3, Activation = Activation.Relu), MaxPooling1D(2), Lstm(16), Dense(1)]
        public partial class ConvForecaster;
        """, "Models.ConvForecaster.g.cs");

    [Fact]
    public void Masking_Normalization_GlobalPooling() => VerifyModel("""
        namespace Models;

        [Sequential, Input(12, 3), Masking, Conv1D(4, 2, Padding = PaddingMode.Causal), LayerNormalization, Masking(-1), Gru(6, ReturnSequences = true), BatchNormalization, GlobalAveragePooling1D, Dense(2, Activation = Activation.Softmax)]
        public partial class Normalized;
        """, "Models.Normalized.g.cs");

    [Fact]
    public void OneToMany() => VerifyModel("""
        namespace Models;

        [Sequential, Input(3), RepeatVector(5), Lstm(6, ReturnSequences = true), TimeDistributed, Dense(2)]
        public partial class OneToMany;
        """, "Models.OneToMany.g.cs");

    [Fact]
    public void ManyToOne_EmbeddingMaskZero() => VerifyModel("""
        namespace Models;

        [Sequential]
        [Input(20)]
        [Embedding(5000, 128, MaskZero = true)]
        [Lstm(128)]
        [Dense(1, Activation = Activation.Sigmoid)]
        public partial class Sentiment;
        """, "Models.Sentiment.g.cs");

    [Fact]
    public void ManyToManySame() => VerifyModel("""
        namespace Models;

        [Sequential(Seed = 42)]
        [Input(10, 1)]
        [Lstm(50, ReturnSequences = true)]
        [Lstm(50, ReturnSequences = true)]
        [TimeDistributed, Dense(1)]
        public partial class ManyToManySame;
        """, "Models.ManyToManySame.g.cs");

    [Fact]
    public void ManyToManyDifferent_SliceLast() => VerifyModel("""
        namespace Models;

        [Sequential, Input(6, 4), Lstm(8, ReturnSequences = true), SliceLast(3), TimeDistributed, Dense(2)]
        public partial class ManyToManySlice;
        """, "Models.ManyToManySlice.g.cs");

    [Fact]
    public void ManyToManyDifferent_ZeroPadding() => VerifyModel("""
        namespace Models;

        [Sequential, Input(4, 2), ZeroPadding1D(0, 3), Lstm(5, ReturnSequences = true), Dense(2)]
        public partial class ManyToManyPad;
        """, "Models.ManyToManyPad.g.cs");

    [Fact]
    public void BidirectionalSum_GoBackwards() => VerifyModel("""
        namespace Models;

        [Sequential]
        [Input(6, 3)]
        [Bidirectional(MergeMode.Sum), Lstm(4, ReturnSequences = true)]
        [Lstm(3, GoBackwards = true)]
        [Dense(1)]
        public partial class BidirectionalSum;
        """, "Models.BidirectionalSum.g.cs");

    [Fact]
    public void BidirectionalConcat_WrappingGoBackwards() => VerifyModel("""
        namespace Models;

        [Sequential, Input(5, 2), Bidirectional(Name = "bi"), Lstm(3, GoBackwards = true, Name = "inner"), Dense(1)]
        public partial class BidirectionalBackwards;
        """, "Models.BidirectionalBackwards.g.cs");

    [Fact]
    public void LongSequence_Looped() => VerifyModel("""
        namespace Models;

        [Sequential, Input(40, 3), Lstm(6), Dense(1)]
        public partial class LongSequence;
        """, "Models.LongSequence.g.cs");

    [Fact]
    public void UnrollNever() => VerifyModel("""
        namespace Models;

        [Sequential(Unroll = UnrollPolicy.Never), Input(3, 2), Lstm(2, UseBias = false, Activation = Activation.Relu, RecurrentActivation = Activation.Tanh), Dense(1, UseBias = false)]
        public partial class Looped;
        """, "Models.Looped.g.cs");

    [Fact]
    public void ReturnState() => VerifyModel("""
        namespace Models;

        [Sequential, Input(6, 3), Lstm(5, ReturnState = true)]
        public partial class Encoder;
        """, "Models.Encoder.g.cs");

    [Fact]
    public void ReturnSequencesTrue() => VerifyModel("""
        namespace Models;

        [Sequential, Input(5, 2), Lstm(3, ReturnSequences = true)]
        public partial class Sequences;
        """, "Models.Sequences.g.cs");

    [Fact]
    public void ReturnSequencesFalse() => VerifyModel("""
        namespace Models;

        [Sequential, Input(5, 2), Lstm(3, ReturnSequences = false)]
        public partial class LastStep;
        """, "Models.LastStep.g.cs");

    [Fact]
    public void GlobalNamespace() => VerifyModel("""
        [Sequential, Input(4), Dense(2)]
        public partial class GlobalModel;
        """, "GlobalModel.g.cs");

    [Fact]
    public void NestedInPartialClass() => VerifyModel("""
        namespace Models.Nested;

        /// <summary>Documented: the re-opened declaration is public, so CS1591 would apply to it.</summary>
        public static partial class Container
        {
            internal partial struct Inner
            {
                [Sequential, Input(3, 2), Lstm(2), Dense(1)]
                public partial class NestedModel;
            }
        }
        """, "Models.Nested.Container.Inner.NestedModel.g.cs");

    [Fact]
    public void NestedInGenericClass() => VerifyModel("""
        namespace Models;

        /// <summary>A generic container.</summary>
        /// <typeparam name="T">Anything.</typeparam>
        public partial class Outer<T> where T : struct
        {
            [Sequential, Input(2, 2), Lstm(2), Dense(1)]
            public partial class Model;
        }
        """, "Models.Outer_1.Model.g.cs");

    [Fact]
    public void GenericModelClass() => VerifyModel("""
        namespace Models;

        [Sequential, Input(4), Dense(2)]
        internal sealed partial class Tagged<TTag>;
        """, "Models.Tagged_1.g.cs");
}
