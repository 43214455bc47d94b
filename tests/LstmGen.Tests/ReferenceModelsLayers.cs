using LstmGen;

// The models of the convolution, pooling, reshaping, normalisation and masking reference cases (issue 11;
// tests/reference/make_layer_reference.mjs builds the same ones in TensorFlow.js and writes Reference/Layers/<case>.json).
// Cases whose looped and unrolled code differ have a second declaration with the other unroll policy.
namespace LstmGen.Tests.Models;

[Sequential, Input(9, 3), Conv1D(4, 3, Activation = Activation.Tanh), Flatten, Dense(2)]
public partial class RefConv1DValidTanh;

[Sequential, Input(11, 3), Conv1D(4, 3, Strides = 2, Padding = PaddingMode.Same), Flatten, Dense(1)]
public partial class RefConv1DSameStrided;

[Sequential, Input(10, 2), Conv1D(3, 4, Strides = 2, Padding = PaddingMode.Same, Activation = Activation.Relu), Lstm(3), Dense(1)]
public partial class RefConv1DSameEvenStrided;

[Sequential, Input(9, 2), Conv1D(4, 3, Padding = PaddingMode.Causal, DilationRate = 2, UseBias = false), GlobalMaxPooling1D, Dense(1)]
public partial class RefConv1DCausalDilatedNoBias;

[Sequential, Input(8, 3), Conv1D(3, 2, Padding = PaddingMode.Same, DilationRate = 2, Activation = Activation.Sigmoid), GlobalAveragePooling1D, Dense(2)]
public partial class RefConv1DSameDilated;

[Sequential, Input(12, 2), Conv1D(5, 3, Strides = 3, UseBias = false, Activation = Activation.Swish), Gru(3), Dense(1)]
public partial class RefConv1DValidStridedNoBias;

[Sequential, Input(9, 3), MaxPooling1D(3, Strides = 2), Lstm(4), Dense(1)]
public partial class RefMaxPoolingValid;

[Sequential, Input(10, 3), Conv1D(4, 2), MaxPooling1D(3, Strides = 2, Padding = PaddingMode.Same), Flatten, Dense(1)]
public partial class RefMaxPoolingSame;

[Sequential, Input(9, 3), AveragePooling1D(2), Gru(4), Dense(1)]
public partial class RefAveragePoolingValid;

[Sequential, Input(10, 3), Dense(4), AveragePooling1D(3, Strides = 2, Padding = PaddingMode.Same), Flatten, Dense(2)]
public partial class RefAveragePoolingSame;

[Sequential, Input(7, 2), Conv1D(3, 2, Padding = PaddingMode.Same), AveragePooling1D(2, Padding = PaddingMode.Same), SimpleRnn(3), Dense(1)]
public partial class RefAveragePoolingSameOdd;

[Sequential, Input(6, 3), Lstm(5, ReturnSequences = true), GlobalMaxPooling1D, Dense(1)]
public partial class RefGlobalMaxPooling;

[Sequential, Input(6, 3), Conv1D(4, 2, Activation = Activation.Relu), GlobalAveragePooling1D, Dense(1)]
public partial class RefGlobalAveragePooling;

[Sequential, Input(7, 3), Masking(0), Lstm(4, ReturnSequences = true), GlobalAveragePooling1D, Dense(1)]
public partial class RefGlobalAveragePoolingMasked;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), Masking(0), Lstm(4, ReturnSequences = true), GlobalAveragePooling1D, Dense(1)]
public partial class RefGlobalAveragePoolingMaskedLooped;

[Sequential, Input(4, 3), Reshape(6, 2), SimpleRnn(3, ReturnSequences = true), Flatten, Dense(4), Reshape(2, 2), Lstm(3), Dense(1)]
public partial class RefFlattenReshape;

[Sequential, Input(6, 3), BatchNormalization, Lstm(4), Dense(1)]
public partial class RefBatchNormSequence;

[Sequential, Input(5, 3), Flatten, Dense(6, Activation = Activation.Tanh), BatchNormalization, Dense(1)]
public partial class RefBatchNormVector;

[Sequential, Input(8, 2), Conv1D(4, 3, Activation = Activation.Tanh), BatchNormalization, GlobalAveragePooling1D, Dense(2)]
public partial class RefBatchNormAfterConv;

[Sequential, Input(6, 3), Lstm(5, ReturnSequences = true), LayerNormalization, Dense(1)]
public partial class RefLayerNormSequence;

[Sequential, Input(4, 2), Flatten, Dense(5), LayerNormalization, Dense(2)]
public partial class RefLayerNormVector;

[Sequential, Input(7, 3), Masking(0), Lstm(4, ReturnSequences = true), Dense(2)]
public partial class RefMaskingLstmSeq;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), Masking(0), Lstm(4, ReturnSequences = true), Dense(2)]
public partial class RefMaskingLstmSeqLooped;

[Sequential, Input(7, 3), Masking(-1), Lstm(4), Dense(1)]
public partial class RefMaskingLstmLast;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), Masking(-1), Lstm(4), Dense(1)]
public partial class RefMaskingLstmLastLooped;

[Sequential, Input(7, 3), Masking(0), Gru(4, ReturnSequences = true, ResetAfter = false), Dense(1)]
public partial class RefMaskingGruSeq;

[Sequential, Input(7, 3), Masking(0.5), Gru(4), Dense(1)]
public partial class RefMaskingGruLast;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), Masking(0.5), Gru(4), Dense(1)]
public partial class RefMaskingGruLastLooped;

[Sequential, Input(20, 4), Conv1D(8, 3, Activation = Activation.Relu), MaxPooling1D(2), Lstm(6), Dense(1)]
public partial class RefCnnLstm;

[Sequential(Unroll = UnrollPolicy.Never), Input(20, 4), Conv1D(8, 3, Activation = Activation.Relu), MaxPooling1D(2), Lstm(6), Dense(1)]
public partial class RefCnnLstmLooped;
