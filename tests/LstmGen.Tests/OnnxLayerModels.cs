using LstmGen;

// Models for the ONNX export of the convolution, pooling, reshaping, normalisation and Masking layers (weights randomised
// with a seed in the tests, biases and moving statistics included).
namespace LstmGen.Tests.Models;

/// <summary>The CNN-LSTM forecaster of samples/TimeSeries (ConvLstmModel), declared again here.</summary>
[Sequential(Seed = 4), Input(30, 1), Conv1D(32, 3, Activation = Activation.Relu), MaxPooling1D(2), Lstm(50), Dense(1)]
public partial class OnnxCnnLstmForecaster;

/// <summary>'same' with strides and an uneven total padding (1 before, 2 after), dilation, pooling 'same' both kinds.</summary>
[Sequential]
[Input(13, 3)]
[Conv1D(6, 4, Strides = 2, Padding = PaddingMode.Same, UseBias = false, Activation = Activation.Elu)]
[MaxPooling1D(2, Strides = 1, Padding = PaddingMode.Same)]
[Conv1D(5, 2, DilationRate = 2, Activation = Activation.Relu)]
[AveragePooling1D(3, Strides = 2, Padding = PaddingMode.Same)]
[Flatten]
[Dense(3)]
public partial class OnnxConvSameStrided;

/// <summary>Causal convolution with strides, valid pooling with strides, global average pooling.</summary>
[Sequential, Input(10, 2), Conv1D(4, 3, Strides = 3, Padding = PaddingMode.Causal, Activation = Activation.Gelu), Conv1D(3, 2, Padding = PaddingMode.Causal, DilationRate = 2), AveragePooling1D(2, Strides = 1), GlobalAveragePooling1D, Dense(2)]
public partial class OnnxConvCausal;

/// <summary>Both normalisations with and without center and scale, over sequences and vectors.</summary>
[Sequential]
[Input(5, 4)]
[BatchNormalization(Center = false)]
[LayerNormalization(Scale = false)]
[Conv1D(3, 2, Padding = PaddingMode.Causal)]
[LayerNormalization(Epsilon = 0.01)]
[Gru(4, ReturnSequences = true)]
[BatchNormalization(Epsilon = 0.01)]
[GlobalMaxPooling1D]
[BatchNormalization(Scale = false)]
[LayerNormalization(Center = false)]
[Dense(2)]
public partial class OnnxNormalizations;

/// <summary>A vector reshaped into a sequence and back, and a sequence reshaped to other steps.</summary>
[Sequential, Input(12), Dense(12), Reshape(4, 3), Conv1D(2, 2, Padding = PaddingMode.Same), Reshape(2, 4), Lstm(3, ReturnSequences = true), Reshape(-1), Dense(2)]
public partial class OnnxReshapes;

// ---- Masking ---------------------------------------------------------------------------------------------------------

/// <summary>Masking, one-way layers (repeating outputs at masked steps), LayerNormalization, a masked global average.</summary>
[Sequential, Input(8, 3), Masking(0.0), Lstm(4, ReturnSequences = true), LayerNormalization, Gru(3, ReturnSequences = true, GoBackwards = true), GlobalAveragePooling1D, Dense(1)]
public partial class OnnxMaskingAverage;

/// <summary>Masking with another value, a bidirectional sequence (zero at masked steps), BatchNormalization, a final state.</summary>
[Sequential, Input(8, 3), Masking(-1.0), Bidirectional, Gru(3, ReturnSequences = true), BatchNormalization, TimeDistributed, Dense(3), SimpleRnn(4), Dense(2)]
public partial class OnnxMaskingBidirectional;

/// <summary>A Masking after a Masking replaces its mask; a convolution stops it.</summary>
[Sequential, Input(8, 3), Masking(0.5), Masking(0.0), Lstm(4, ReturnSequences = true), Conv1D(3, 2), GlobalAveragePooling1D, Dense(1)]
public partial class OnnxMaskingConv;
