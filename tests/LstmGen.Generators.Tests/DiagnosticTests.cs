using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Every LSTMGEN diagnostic the analyzer can report, with its exact span (markup), its severity and nothing else
/// reported; then the generator on the same source: no crash, no LSTMGEN900, no code for the invalid model (code only
/// for an Info diagnostic), code for the valid neighbour. Spans follow TopologyAnalyzer.Locate: the argument the
/// diagnostic names when there is one (matched by name, or by constructor parameter name for positional arguments),
/// else the attribute (without brackets), on the wrapper for whole-layer diagnostics of a wrapped layer.
/// </summary>
public sealed class DiagnosticTests
{
    /// <summary>(case name, markup, whether the model still gets code).</summary>
    public static readonly TheoryData<string, string, bool> Cases = new()
    {
        // 001 class must be partial
        { "001 not partial", """
            [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
            public class Bad { }
            """, false },
        { "001 containing type not partial", """
            public class Holder
            {
                [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
                public partial class Bad;
            }
            """, false },

        // 002 layers split over partial declarations
        { "002 split", """
            [Sequential, Input(4)]
            public partial class Bad;

            [{|LSTMGEN002:Dense(2)|}]
            public partial class Bad;
            """, false },

        // 003 invalid enum values
        { "003 Dense activation", """
            [Sequential, Input(4), Dense(2, {|LSTMGEN003:Activation = (Activation)42|})]
            public partial class Bad;
            """, false },
        { "003 Lstm recurrent activation", """
            [Sequential, Input(5, 2), Lstm(2, {|LSTMGEN003:RecurrentActivation = (Activation)(-1)|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "003 Bidirectional merge mode (positional)", """
            [Sequential, Input(5, 2), Bidirectional({|LSTMGEN003:(MergeMode)9|}), Lstm(2), Dense(1)]
            public partial class Bad;
            """, false },
        { "003 Sequential unroll", """
            [Sequential({|LSTMGEN003:Unroll = (UnrollPolicy)3|}), Input(4), Dense(2)]
            public partial class Bad;
            """, false },

        // 004 wrapper without its layer
        { "004 TimeDistributed last", """
            [Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), {|LSTMGEN004:TimeDistributed|}]
            public partial class Bad;
            """, false },
        { "004 Bidirectional twice", """
            [Sequential, Input(6, 3), {|LSTMGEN004:Bidirectional|}, Bidirectional, Lstm(4), Dense(1)]
            public partial class Bad;
            """, false },
        { "004 wrapper before Input", """
            [Sequential, {|LSTMGEN004:TimeDistributed|}, Input(4), Dense(2)]
            public partial class Bad;
            """, false },

        // 005 wrapper around the wrong layer
        { "005 Bidirectional Dense", """
            [Sequential, Input(6, 3), {|LSTMGEN005:Bidirectional|}, Dense(2)]
            public partial class Bad;
            """, false },
        { "005 TimeDistributed Lstm", """
            [Sequential, Input(6, 3), {|LSTMGEN005:TimeDistributed|}, Lstm(2)]
            public partial class Bad;
            """, false },

        // 006 invalid layer name
        { "006 slash", """
            [Sequential, Input(4), Dense(2, {|LSTMGEN006:Name = "a/b"|})]
            public partial class Bad;
            """, false },
        { "006 empty", """
            [Sequential, Input(4), Dense(2, {|LSTMGEN006:Name = ""|})]
            public partial class Bad;
            """, false },
        { "006 leading space", """
            [Sequential, Input(5, 2), Lstm(2, {|LSTMGEN006:Name = " lstm"|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "006 wrapper name", """
            [Sequential, Input(5, 2), Lstm(3, ReturnSequences = true), TimeDistributed({|LSTMGEN006:Name = "td/"|}), Dense(1)]
            public partial class Bad;
            """, false },

        // 007 duplicate layer name
        { "007 explicit", """
            [Sequential, Input(4), Dense(4, Name = "d"), Dense(2, {|LSTMGEN007:Name = "d"|})]
            public partial class Bad;
            """, false },
        { "007 automatic name taken", """
            [Sequential, Input(4), Dense(4, Name = "dense_1"), Dense(3), {|LSTMGEN007:Dense(2)|}]
            public partial class Bad;
            """, false },

        // 008 type cannot be a model
        { "008 static", """
            [{|LSTMGEN008:Sequential|}, Input(4), Dense(2)]
            public static partial class Bad;
            """, false },
        { "008 abstract", """
            [{|LSTMGEN008:Sequential|}, Input(4), Dense(2)]
            public abstract partial class Bad;
            """, false },
        { "008 primary constructor", """
            [{|LSTMGEN008:Sequential|}, Input(4), Dense(2)]
            public partial class Bad(int tag) { public int Tag => tag; }
            """, false },
        { "008 named like a generated member", """
            [{|LSTMGEN008:Sequential|}, Input(4), Dense(2)]
            public partial class Summary;
            """, false },

        // 114 model too large
        { "114 recurrent kernel", """
            [Sequential, Input(10, 1), {|LSTMGEN114:Lstm(50000)|}, Dense(1)]
            public partial class Bad;
            """, false },
        { "114 input", """
            [Sequential, {|LSTMGEN114:Input(100000, 100000)|}, Dense(1)]
            public partial class Bad;
            """, false },

        // 101 no input
        { "102 Input after a layer", """
            [Sequential, Dense(2), {|LSTMGEN102:Input(4)|}]
            public partial class Bad;
            """, false },
        { "101 nothing at all", """
            [{|LSTMGEN101:Sequential|}]
            public partial class Bad;
            """, false },
        { "101 wrapper first", """
            [Sequential, {|LSTMGEN101:TimeDistributed|}, Dense(2)]
            public partial class Bad;
            """, false },

        // 102 second input
        { "102 second input", """
            [Sequential, Input(4), Dense(3), {|LSTMGEN102:Input(3)|}, Dense(1)]
            public partial class Bad;
            """, false },

        // 103 sizes out of range
        { "103 Lstm units", """
            [Sequential, Input(5, 2), Lstm({|LSTMGEN103:0|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "103 Dense units", """
            [Sequential, Input(4), Dense({|LSTMGEN103:-3|})]
            public partial class Bad;
            """, false },
        { "103 Dense units named", """
            [Sequential, Input(4), Dense({|LSTMGEN103:units: 0|})]
            public partial class Bad;
            """, false },
        { "103 Input steps", """
            [Sequential, Input({|LSTMGEN103:0|}, 3), Lstm(2)]
            public partial class Bad;
            """, false },
        { "103 RepeatVector n", """
            [Sequential, Input(3), RepeatVector({|LSTMGEN103:0|}), Lstm(2)]
            public partial class Bad;
            """, false },
        { "103 Embedding both dims", """
            [Sequential, Input(8), Embedding({|LSTMGEN103:0|}, {|LSTMGEN103:-1|}), Lstm(2)]
            public partial class Bad;
            """, false },
        { "103 ZeroPadding1D right", """
            [Sequential, Input(5, 2), ZeroPadding1D(1, {|LSTMGEN103:-2|}), Lstm(2)]
            public partial class Bad;
            """, false },
        { "103 ZeroPadding1D single padding", """
            [Sequential, Input(5, 2), ZeroPadding1D({|LSTMGEN103:-1|}), Lstm(2)]
            public partial class Bad;
            """, false },

        // 104 LSTM fed a vector
        { "104 stacked without ReturnSequences", """
            [Sequential, Input(10, 1), Lstm(50), {|LSTMGEN104:Lstm(50)|}]
            public partial class Bad;
            """, false },
        { "104 vector input", """
            [Sequential, Input(4), {|LSTMGEN104:Lstm(3)|}]
            public partial class Bad;
            """, false },
        { "104 Bidirectional (on the wrapper)", """
            [Sequential, Input(4), Dense(3), {|LSTMGEN104:Bidirectional|}, Lstm(3)]
            public partial class Bad;
            """, false },

        // 105 RepeatVector fed a sequence
        { "105 RepeatVector", """
            [Sequential, Input(5, 2), {|LSTMGEN105:RepeatVector(3)|}, Lstm(2)]
            public partial class Bad;
            """, false },

        // 106 sequence layer fed a vector
        { "106 SliceLast", """
            [Sequential, Input(4), {|LSTMGEN106:SliceLast(2)|}]
            public partial class Bad;
            """, false },
        { "106 ZeroPadding1D", """
            [Sequential, Input(4), {|LSTMGEN106:ZeroPadding1D(1)|}]
            public partial class Bad;
            """, false },
        { "106 TimeDistributed (on the wrapper)", """
            [Sequential, Input(5, 2), Lstm(3), {|LSTMGEN106:TimeDistributed|}, Dense(1)]
            public partial class Bad;
            """, false },

        // 107 SliceLast out of range
        { "107 too long", """
            [Sequential, Input(6, 4), SliceLast({|LSTMGEN107:7|}), Lstm(2)]
            public partial class Bad;
            """, false },
        { "103 SliceLast zero", """
            [Sequential, Input(6, 4), SliceLast({|LSTMGEN103:0|}), Lstm(2)]
            public partial class Bad;
            """, false },

        // 108 Embedding placement
        { "108 on a sequence input", """
            [Sequential, Input(5, 2), {|LSTMGEN108:Embedding(10, 4)|}, Lstm(2)]
            public partial class Bad;
            """, false },
        { "108 not first", """
            [Sequential, Input(5), Dense(3), {|LSTMGEN108:Embedding(10, 4)|}]
            public partial class Bad;
            """, false },

        // 109 layer cannot carry the mask
        { "109 SliceLast", """
            [Sequential, Input(8), Embedding(20, 4, MaskZero = true), {|LSTMGEN109:SliceLast(3)|}, Lstm(2)]
            public partial class Bad;
            """, false },
        { "109 ZeroPadding1D after masked Lstm sequence", """
            [Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(3, ReturnSequences = true), {|LSTMGEN109:ZeroPadding1D(2)|}, Lstm(2)]
            public partial class Bad;
            """, false },
        { "105 RepeatVector after a masked sequence", """
            [Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(3, ReturnSequences = true), {|LSTMGEN105:RepeatVector(2)|}]
            public partial class Bad;
            """, false },

        // 110 input rank
        { "110 rank 3", """
            [Sequential, {|LSTMGEN110:Input(2, 3, 4)|}, Dense(1)]
            public partial class Bad;
            """, false },
        { "110 rank 0", """
            [Sequential, {|LSTMGEN110:Input()|}, Dense(1)]
            public partial class Bad;
            """, false },

        // 116 dropout rates
        { "116 Dropout rate 1", """
            [Sequential, Input(5, 2), Dropout({|LSTMGEN116:1.0|}), Lstm(2)]
            public partial class Bad;
            """, false },
        { "116 Dropout rate negative", """
            [Sequential, Input(5, 2), Lstm(2, ReturnSequences = true), SpatialDropout1D({|LSTMGEN116:-0.1|}), Lstm(2)]
            public partial class Bad;
            """, false },
        { "116 Gru Dropout argument", """
            [Sequential, Input(5, 2), Gru(3, {|LSTMGEN116:Dropout = 1.5|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "116 SimpleRnn RecurrentDropout argument", """
            [Sequential, Input(5, 2), SimpleRnn(3, {|LSTMGEN116:RecurrentDropout = 1|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "106 SpatialDropout1D on a vector", """
            [Sequential, Input(5, 2), Gru(3), {|LSTMGEN106:SpatialDropout1D(0.2)|}, Dense(1)]
            public partial class Bad;
            """, false },
        { "104 Gru fed a vector", """
            [Sequential, Input(5, 2), Gru(3), {|LSTMGEN104:Gru(2)|}]
            public partial class Bad;
            """, false },
        { "104 SimpleRnn fed a vector from a Dense", """
            [Sequential, Input(5), Dense(3), {|LSTMGEN104:SimpleRnn(2)|}]
            public partial class Bad;
            """, false },
        { "111 Gru recurrent activation softmax", """
            [Sequential, Input(5, 2), Gru(4, {|LSTMGEN111:RecurrentActivation = Activation.Softmax|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "112 ReturnState on a Gru that is not last", """
            [Sequential, Input(5, 2), Gru(3, {|LSTMGEN112:ReturnState = true|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "005 TimeDistributed on a Gru", """
            [Sequential, Input(5, 2), {|LSTMGEN005:TimeDistributed|}, Gru(3)]
            public partial class Bad;
            """, false },
        { "115 binary cross-entropy after an Activation layer that is not sigmoid", """
            [Sequential({|LSTMGEN115:Loss = LossKind.BinaryCrossEntropy|}), Input(5, 2), Gru(3), Dense(1), Activation(Activation.Tanh)]
            public partial class Bad;
            """, true },

        // 010 names that clash with the generated code
        { "010 a user method with a generated signature", """
            [{|LSTMGEN010:Sequential|}, Input(4), Dense(2)]
            public partial class Bad { public void Predict(System.ReadOnlySpan<float> x, System.Span<float> y) { } }
            """, false },
        { "010 a member starting with __", """
            [{|LSTMGEN010:Sequential|}, Input(4), Dense(2)]
            public partial class Bad { public int __p; }
            """, false },

        // 117-120: convolution, pooling, reshape and normalisation arguments
        { "117 Conv1D kernel longer than the sequence", """
            [Sequential, Input(4, 2), Conv1D(3, {|LSTMGEN117:5|}), Flatten, Dense(1)]
            public partial class Bad;
            """, false },
        { "117 dilated Conv1D window longer than the sequence", """
            [Sequential, Input(6, 2), Conv1D(3, {|LSTMGEN117:3|}, DilationRate = 3), Flatten, Dense(1)]
            public partial class Bad;
            """, false },
        { "117 MaxPooling1D leaves no step", """
            [Sequential, Input(6, 2), Conv1D(3, 3), MaxPooling1D({|LSTMGEN117:5|}), Flatten, Dense(1)]
            public partial class Bad;
            """, false },
        { "118 Reshape counts differ", """
            [Sequential, Input(4, 3), {|LSTMGEN118:Reshape(5, 2)|}, Lstm(2)]
            public partial class Bad;
            """, false },
        { "118 Reshape -1 does not divide", """
            [Sequential, Input(4, 3), {|LSTMGEN118:Reshape(-1, 5)|}, Lstm(2)]
            public partial class Bad;
            """, false },
        { "119 BatchNormalization on another axis", """
            [Sequential, Input(4, 3), BatchNormalization({|LSTMGEN119:Axis = 1|}), Lstm(2)]
            public partial class Bad;
            """, false },
        { "120 Conv1D strides and dilation", """
            [Sequential, Input(10, 3), Conv1D(3, 2, Strides = 2, {|LSTMGEN120:DilationRate = 2|}), Flatten, Dense(1)]
            public partial class Bad;
            """, false },
        { "120 causal pooling", """
            [Sequential, Input(10, 3), AveragePooling1D(2, {|LSTMGEN120:Padding = PaddingMode.Causal|}), Flatten, Dense(1)]
            public partial class Bad;
            """, false },
        { "106 Conv1D on a vector", """
            [Sequential, Input(10), {|LSTMGEN106:Conv1D(3, 2)|}, Dense(1)]
            public partial class Bad;
            """, false },
        { "106 Masking on a vector", """
            [Sequential, Input(10), {|LSTMGEN106:Masking|}, Dense(1)]
            public partial class Bad;
            """, false },
        { "103 Conv1D zero filters", """
            [Sequential, Input(10, 3), Conv1D({|LSTMGEN103:0|}, 2), Flatten, Dense(1)]
            public partial class Bad;
            """, false },

        // 111 softmax in an LSTM
        { "111 activation", """
            [Sequential, Input(5, 2), Lstm(4, {|LSTMGEN111:Activation = Activation.Softmax|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "111 both", """
            [Sequential, Input(5, 2), Lstm(4, {|LSTMGEN111:RecurrentActivation = Activation.Softmax|}, {|LSTMGEN111:Activation = Activation.Softmax|}), Dense(1)]
            public partial class Bad;
            """, false },

        // 112 ReturnState not on the last LSTM
        { "112 not last", """
            [Sequential, Input(5, 2), Lstm(3, {|LSTMGEN112:ReturnState = true|}), Dense(1)]
            public partial class Bad;
            """, false },
        { "112 bidirectional", """
            [Sequential, Input(5, 2), Bidirectional, Lstm(3, {|LSTMGEN112:ReturnState = true|})]
            public partial class Bad;
            """, false },

        // 113 no layers
        { "113 input only", """
            [Sequential, {|LSTMGEN113:Input(4)|}]
            public partial class Bad;
            """, false },

        // 201 unroll capped (Info: the model is still generated, as a loop)
        { "201 unroll capped", """
            [Sequential(Unroll = UnrollPolicy.Always), Input(129, 2), {|LSTMGEN201:Lstm(4)|}, Dense(1)]
            public partial class Bad;
            """, true },
        { "201 unroll capped bidirectional (on the wrapper)", """
            [Sequential(Unroll = UnrollPolicy.Always), Input(200, 2), {|LSTMGEN201:Bidirectional(MergeMode.Ave)|}, Lstm(2), Dense(1)]
            public partial class Bad;
            """, true },
        { "201 under Auto beyond 16 steps", """
            [Sequential, Input(17, 2), {|LSTMGEN201:Lstm(4)|}, Dense(1)]
            public partial class Bad;
            """, true },
        { "no 201 under Auto at 16 steps", """
            [Sequential, Input(16, 2), Lstm(4), Dense(1)]
            public partial class Bad;
            """, true },
        { "no 201 with Never", """
            [Sequential(Unroll = UnrollPolicy.Never), Input(40, 2), Lstm(4), Dense(1)]
            public partial class Bad;
            """, true },

        // 115 declared loss does not fit the output (Warning: the model is still generated)
        { "115 binary cross-entropy on a linear output", """
            [Sequential({|LSTMGEN115:Loss = LossKind.BinaryCrossEntropy|}), Input(4), Dense(1)]
            public partial class Bad;
            """, true },
        { "115 binary cross-entropy on two sigmoid units", """
            [Sequential({|LSTMGEN115:Loss = LossKind.BinaryCrossEntropy|}), Input(4), Dense(2, Activation = Activation.Sigmoid)]
            public partial class Bad;
            """, true },
        { "115 categorical cross-entropy on a sigmoid output", """
            [Sequential({|LSTMGEN115:Loss = LossKind.CategoricalCrossEntropy|}), Input(5, 2), Lstm(3), Dense(3, Activation = Activation.Sigmoid)]
            public partial class Bad;
            """, true },
        { "115 sparse categorical cross-entropy on one class", """
            [Sequential({|LSTMGEN115:Loss = LossKind.SparseCategoricalCrossEntropy|}), Input(4), Dense(1, Activation = Activation.Softmax)]
            public partial class Bad;
            """, true },
        { "115 logits loss on a sigmoid output", """
            [Sequential({|LSTMGEN115:Loss = LossKind.BinaryCrossEntropyFromLogits|}), Input(4), Dense(1, Activation = Activation.Sigmoid)]
            public partial class Bad;
            """, true },
        { "115 binary cross-entropy on an LSTM output", """
            [Sequential({|LSTMGEN115:Loss = LossKind.BinaryCrossEntropy|}), Input(5, 2), Lstm(1)]
            public partial class Bad;
            """, true },
        { "no 115: binary cross-entropy on one sigmoid unit", """
            [Sequential(Loss = LossKind.BinaryCrossEntropy), Input(4), Dense(1, Activation = Activation.Sigmoid)]
            public partial class Bad;
            """, true },
        { "no 115: sparse categorical on a softmax", """
            [Sequential(Loss = LossKind.SparseCategoricalCrossEntropy), Input(4), Dense(3, Activation = Activation.Softmax)]
            public partial class Bad;
            """, true },
        { "no 115: mean squared error on an LSTM output", """
            [Sequential(Loss = LossKind.MeanSquaredError), Input(5, 2), Lstm(3)]
            public partial class Bad;
            """, true },
        { "no 201 at the cap", """
            [Sequential(Unroll = UnrollPolicy.Always), Input(128, 1), Lstm(2), Dense(1)]
            public partial class Bad;
            """, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ReportsExactlyTheMarkedDiagnostics(string name, string markup, bool expectCode)
    {
        Assert.NotNull(name);
        await DiagnosticVerifier.VerifyAsync(markup, expectCode: expectCode);
    }

    [Fact]
    public void EveryReportableIdHasACase()
    {
        var covered = new HashSet<string>();
        foreach (object[] row in Cases)
        {
            foreach (string id in DiagnosticVerifier.MarkedIds((string)row[1]))
            {
                covered.Add(id);
            }
        }
        covered.Add(DiagnosticDescriptors.ConstructorMustChainId); // its own test: Constructor009_OnTheUnchainedConstructor_CodeStillGenerated
        string[] reportable = new TopologyAnalyzer().SupportedDiagnostics.Select(d => d.Id).OrderBy(id => id).ToArray();
        Assert.Equal(reportable, reportable.Where(covered.Contains).ToArray());
        Assert.DoesNotContain(DiagnosticDescriptors.InternalErrorId, reportable);
        Assert.Equal(DiagnosticDescriptors.All.Count() - 1, reportable.Length);
    }

    [Fact]
    public async Task Lstm104_NamesTheShapesAndTheFix()
    {
        VerifiedDiagnostics result = await DiagnosticVerifier.VerifyAsync("""
            [Sequential, Input(10, 1), Lstm(50), {|LSTMGEN104:Lstm(50)|}]
            public partial class Bad;
            """);
        Assert.Equal(
            "Lstm 'lstm_1' needs a sequence (batch, steps, features) but receives (batch, 50) from 'lstm': set ReturnSequences = true on 'lstm'",
            result.Message("LSTMGEN104"));
    }

    [Fact]
    public async Task Lstm104_NoReturnSequencesFixWhenTheProducerIsNotAnLstm()
    {
        VerifiedDiagnostics fromInput = await DiagnosticVerifier.VerifyAsync("""
            [Sequential, Input(4), {|LSTMGEN104:Lstm(3)|}]
            public partial class Bad;
            """);
        Assert.Equal("Lstm 'lstm' needs a sequence (batch, steps, features) but receives (batch, 4) from the input", fromInput.Message("LSTMGEN104"));

        VerifiedDiagnostics fromDense = await DiagnosticVerifier.VerifyAsync("""
            [Sequential, Input(4), Dense(3), {|LSTMGEN104:Bidirectional|}, Lstm(3)]
            public partial class Bad;
            """);
        string message = fromDense.Message("LSTMGEN104");
        Assert.StartsWith("Bidirectional 'bidirectional' needs a sequence", message);
        Assert.EndsWith("receives (batch, 3) from 'dense'", message);
        Assert.DoesNotContain("ReturnSequences", message);
    }

    /// <summary>(markup, ID, expected message or its start when it ends with "…", whether the model still gets code).</summary>
    public static readonly TheoryData<string, string, string, bool> Messages = new()
    {
        { """
            [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
            public class Bad { }
            """, "LSTMGEN001",
            "The model class 'Bad' must be declared partial so that LstmGen can add the generated code", false },
        { """
            public class Holder
            {
                [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
                public partial class Bad;
            }
            """, "LSTMGEN001",
            "The type 'Holder', which contains the model class 'Bad', must be declared partial so that LstmGen can add the generated code", false },
        { """
            [Sequential, Input(4), Dense(2, {|LSTMGEN003:Activation = (Activation)42|})]
            public partial class Bad;
            """, "LSTMGEN003",
            "42 is not a valid value for Activation: use a named Activation value", false },
        { """
            [Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), {|LSTMGEN004:TimeDistributed|}]
            public partial class Bad;
            """, "LSTMGEN004",
            "[TimeDistributed] must be followed directly by the Dense attribute it wraps, e.g. [TimeDistributed, Dense(2)]", false },
        { """
            [Sequential, Input(6, 3), {|LSTMGEN005:Bidirectional|}, Dense(2)]
            public partial class Bad;
            """, "LSTMGEN005",
            "[Bidirectional] cannot wrap Dense(2); it wraps an Lstm, a Gru or a SimpleRnn", false },
        { """
            [Sequential, Input(4), Dense(4, Name = "d"), Dense(2, {|LSTMGEN007:Name = "d"|})]
            public partial class Bad;
            """, "LSTMGEN007",
            "Layer name 'd' is already used by an earlier layer; weight names must be unique", false },
        { """
            [Sequential, Input(4), Dense(3), {|LSTMGEN102:Input(3)|}, Dense(1)]
            public partial class Bad;
            """, "LSTMGEN102",
            "[Input] must appear exactly once, before every layer; this is a second [Input] (the first declares Input(4))", false },
        { """
            [Sequential, Input(5, 2), Lstm({|LSTMGEN103:0|}), Dense(1)]
            public partial class Bad;
            """, "LSTMGEN103",
            "Lstm 'lstm': units must be positive, but is 0", false },
        { """
            [Sequential, Input(6, 4), SliceLast({|LSTMGEN107:7|}), Lstm(2)]
            public partial class Bad;
            """, "LSTMGEN107",
            "SliceLast 'lambda' keeps the last 7 steps, but its input (batch, 6, 4) has only 6", false },
        { """
            [Sequential, Input(8), Embedding(20, 4, MaskZero = true), {|LSTMGEN109:SliceLast(3)|}, Lstm(2)]
            public partial class Bad;
            """, "LSTMGEN109",
            "SliceLast 'lambda' cannot carry the padding mask of Embedding 'embedding' (MaskZero = true)…", false },
        { """
            [Sequential, {|LSTMGEN113:Input(4)|}]
            public partial class Bad;
            """, "LSTMGEN113",
            "Model 'Bad' declares an input but no layers", false },
        { """
            [Sequential(Unroll = UnrollPolicy.Always), Input(129, 2), {|LSTMGEN201:Lstm(4)|}, Dense(1)]
            public partial class Bad;
            """, "LSTMGEN201",
            "Lstm 'lstm' runs 129 steps, more than the unroll limit of 128 for Unroll = Always; its time loop is emitted as a loop", true },
        { """
            [Sequential, Input(4), Dense(4, Name = "dense_1"), Dense(3), {|LSTMGEN007:Dense(2)|}]
            public partial class Bad;
            """, "LSTMGEN007",
            "Layer name 'dense_1' is already used by an earlier layer (this layer was named automatically, as Keras names layers; give one of them a Name); weight names must be unique", false },
        { """
            [Sequential, Dense(2), {|LSTMGEN102:Input(4)|}]
            public partial class Bad;
            """, "LSTMGEN102",
            "[Input] must appear exactly once, before every layer; move it before Dense(2)", false },
        { """
            [Sequential, {|LSTMGEN101:Dense(2)|}]
            public partial class Bad;
            """, "LSTMGEN101",
            "Model 'Bad' does not start with an [Input(...)]; declare the shape of one sample first, e.g. [Input(10, 1)] for 10 steps of 1 feature", false },
        { """
            [Sequential, Input(5, {|LSTMGEN103:0|}), Lstm(2)]
            public partial class Bad;
            """, "LSTMGEN103",
            "Input(5, 0): the number of features must be positive, but is 0", false },
        { """
            [Sequential, Input(5, 2), ZeroPadding1D({|LSTMGEN103:-1|}), Lstm(2)]
            public partial class Bad;
            """, "LSTMGEN103",
            "ZeroPadding1D 'zero_padding1d': padding must be zero or more, but is -1", false },
        { """
            [Sequential, Input(5, 2), {|LSTMGEN105:RepeatVector(3)|}, Lstm(2)]
            public partial class Bad;
            """, "LSTMGEN105",
            "RepeatVector 'repeat_vector' repeats a vector (batch, features) but receives the sequence (batch, 5, 2) from the input", false },
        { """
            [Sequential, Input(5, 2), Lstm(3), {|LSTMGEN106:TimeDistributed|}, Dense(1)]
            public partial class Bad;
            """, "LSTMGEN106",
            "TimeDistributed 'time_distributed' works on a sequence (batch, steps, features) but receives (batch, 3) from 'lstm'", false },
        { """
            [Sequential, Input(5), Dense(3), {|LSTMGEN108:Embedding(10, 4)|}]
            public partial class Bad;
            """, "LSTMGEN108",
            "Embedding 'embedding' must come directly after an Input of token ids such as [Input(20)]; it follows 'dense'", false },
        { """
            [Sequential, {|LSTMGEN110:Input(2, 3, 4)|}, Dense(1)]
            public partial class Bad;
            """, "LSTMGEN110",
            "Input(2, 3, 4) declares 3 dimensions; an input is (features), (steps, features), or (steps) of token ids before an Embedding", false },
        { """
            [Sequential, Input(5, 2), Lstm(4, {|LSTMGEN111:RecurrentActivation = Activation.Softmax|}), Dense(1)]
            public partial class Bad;
            """, "LSTMGEN111",
            "Lstm 'lstm': RecurrentActivation cannot be Softmax; use an element-wise activation (Tanh, Sigmoid, HardSigmoid, Relu, Linear, ...)", false },
        { """
            [Sequential, Input(5, 2), Lstm(3, {|LSTMGEN112:ReturnState = true|}), Dense(1)]
            public partial class Bad;
            """, "LSTMGEN112",
            "Lstm 'lstm' sets ReturnState, which is supported only on a unidirectional recurrent layer that is the model's last layer…", false },
        { """
            [Sequential, Input(4), Dense(2, {|LSTMGEN006:Name = "a/b"|})]
            public partial class Bad;
            """, "LSTMGEN006",
            "Layer name 'a/b' is invalid: use letters, digits, '_', '.' and '-' only (it prefixes weight names such as 'name/kernel')", false },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task MessagesNameTheModelTheValuesAndTheLayers(string markup, string id, string expected, bool expectCode)
    {
        string message = (await DiagnosticVerifier.VerifyAsync(markup, expectCode: expectCode)).Message(id);
        if (expected.EndsWith('…'))
        {
            Assert.StartsWith(expected[..^1], message);
        }
        else
        {
            Assert.Equal(expected, message);
        }
    }

    [Fact]
    public async Task Info201_ModelIsStillGeneratedAsALoop()
    {
        VerifiedDiagnostics result = await DiagnosticVerifier.VerifyAsync("""
            [Sequential(Unroll = UnrollPolicy.Always), Input(129, 2), {|LSTMGEN201:Lstm(4)|}, Dense(1)]
            public partial class Bad;
            """, expectCode: true);
        Assert.Equal(DiagnosticSeverity.Info, result.Single("LSTMGEN201").Severity);
        string code = result.Run.Sources["Diag.Bad.g.cs"];
        Assert.Contains("for (int s = 1; s < 129; s++)", code);
        Assert.Contains("looped", code);
    }

    [Fact]
    public async Task DiagnosticsCarryHelpLinks()
    {
        VerifiedDiagnostics result = await DiagnosticVerifier.VerifyAsync("""
            [Sequential, Input(10, 1), Lstm(50), {|LSTMGEN104:Lstm(50)|}]
            public partial class Bad;
            """);
        Assert.EndsWith("docs/diagnostics/LSTMGEN104.md", result.Single("LSTMGEN104").Descriptor.HelpLinkUri);
    }

    [Fact]
    public async Task Input103_OnTheOffendingDimension()
    {
        await DiagnosticVerifier.VerifyAsync("""
            [Sequential, Input(5, {|LSTMGEN103:0|}), Lstm(2)]
            public partial class Bad;
            """);
    }

    [Fact]
    public void Constructor009_OnTheUnchainedConstructor_CodeStillGenerated()
    {
        const string source = """
            using LstmGen;
            namespace Models;
            [Sequential, Input(4), Dense(2)]
            public partial class Bad
            {
                public Bad(int seed) { }
                public Bad(string name) : this(seed: 1) { }
            }
            """;
        Compilation compilation = GeneratorDriverHelper.CreateCompilation(source);
        Diagnostic d = Assert.Single(GeneratorDriverHelper.RunAnalyzer(compilation), d => d.Id.StartsWith("LSTMGEN", System.StringComparison.Ordinal));
        Assert.Equal(DiagnosticDescriptors.ConstructorMustChainId, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Bad", source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        Assert.Equal(6, d.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains("Bad(int)", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        GeneratorRun run = GeneratorDriverHelper.RunGenerator(compilation);
        Assert.Contains("Models.Bad.g.cs", run.HintNames);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), e => e.Severity == DiagnosticSeverity.Error);
    }
}
