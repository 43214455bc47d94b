using LstmGen;

namespace LstmGen.Tests.Import.Models;

// The models of the h5py fixtures (tests/reference/make_keras_fixtures.py), declared as `lstmgen declare` would.

[Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Dropout(0.25), Lstm(5), Dense(2)]
public partial class FxLstmStack;

[Sequential, Input(4, 2), Bidirectional, Lstm(3, ReturnSequences = true), TimeDistributed, Dense(2, Activation = Activation.Softmax)]
public partial class FxBiTd;

[Sequential, Input(7), Embedding(11, 4), Gru(3, ReturnSequences = true), SimpleRnn(2), Dense(1, Activation = Activation.Sigmoid)]
public partial class FxEmbGruRnn;

[Sequential, Input(5, 2), Lstm(2), Dense(3), Dense(1)]
public partial class FxLstmDenseDense;

[Sequential, Input(5, 3), Lstm(2, ReturnSequences = true), Gru(2), Dense(1)]
public partial class FxLstmGruDense;

[Sequential, Input(7, 4), Bidirectional, Lstm(3, ReturnSequences = true), Dropout(0.5), Gru(2, ReturnSequences = true), TimeDistributed, Dense(3, Activation = Activation.Softmax)]
public partial class FxBiDropGruTd;

[Sequential, Input(8), Embedding(9, 3), Gru(4, RecurrentActivation = Activation.HardSigmoidKeras2, ResetAfter = false), Dense(2, Activation = Activation.Sigmoid)]
public partial class FxEmbGruK2;

[Sequential, Input(4, 2), Lstm(3, ReturnSequences = true, RecurrentActivation = Activation.HardSigmoidKeras2), TimeDistributed, Dense(1)]
public partial class FxLstmTdK2;

[Sequential, Input(6, 4), Bidirectional, Lstm(3, ReturnSequences = true), Gru(2)]
public partial class FxCudnn;

[Sequential, Input(5, 2), Lstm(2), Dense(1)]
public partial class FxLstmDense;

[Sequential, Input(5, 2), Lstm(2), Dense(3)]
public partial class FxLstmDense3;

[Sequential, Input(5, 2), Lstm(2, ReturnSequences = true), Gru(2), Dense(1)]
public partial class FxLstmGru;

// Models saved for Keras 3 (every layer and activation a Keras 3 config can express).

[Sequential, Input(6, 3), Bidirectional(MergeMode.Sum), Gru(4, ReturnSequences = true), SpatialDropout1D(0.1),
 Lstm(5, ReturnSequences = true, Activation = Activation.Gelu, RecurrentActivation = Activation.HardSigmoid), Activation(Activation.Swish),
 TimeDistributed, Dense(3, Activation = Activation.Softmax)]
public partial class ExportSeq;

[Sequential, Input(7), Embedding(12, 3), SimpleRnn(4, ReturnSequences = true, Activation = Activation.Relu), ZeroPadding1D(1, 2), Lstm(3, UseBias = false),
 RepeatVector(2), Gru(2, ReturnSequences = true, ResetAfter = false), Dropout(0.3), Dense(2, Activation = Activation.LeakyRelu)]
public partial class ExportTokens;

[Sequential, Input(5, 3), Bidirectional(MergeMode.Ave), SimpleRnn(3, ReturnSequences = true, GoBackwards = true), Lstm(4, ReturnSequences = true, ReturnState = true, Dropout = 0.2)]
public partial class ExportState;

// Variations of FxLstmStack (the file k3_lstm_stack.keras): each differs from it in one attribute.

[Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Dropout(0.25), Lstm(6), Dense(2)]
public partial class OtherUnits;

[Sequential, Input(6, 3), Gru(4, ReturnSequences = true), Dropout(0.25), Lstm(5), Dense(2)]
public partial class OtherClass;

[Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Lstm(5), Dense(2)]
public partial class NoDropout;

[Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Dropout(0.25), Lstm(5), Dense(2), Dense(1)]
public partial class ExtraLayer;

[Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Dropout(0.25), Lstm(5, GoBackwards = true), Dense(2)]
public partial class OtherBackwards;

[Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Dropout(0.25), Lstm(5), Dense(2, Activation = Activation.Relu)]
public partial class OtherActivation;

[Sequential, Input(6, 4), Lstm(4, ReturnSequences = true), Dropout(0.25), Lstm(5), Dense(2)]
public partial class OtherFeatures;

[Sequential, Input(9, 3), Lstm(4, ReturnSequences = true), Dropout(0.5), Lstm(5, UnitForgetBias = false), Dense(2)]
public partial class OtherTrainingSettings;

[Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Dropout(0.25), Lstm(5), Dense(2, UseBias = false)]
public partial class OtherBias;

// Variations of FxEmbGruK2 (legacy_k22_embedding_gru.h5, Keras 2.2.4).

[Sequential, Input(8), Embedding(9, 3), Gru(4, RecurrentActivation = Activation.HardSigmoidKeras2), Dense(2, Activation = Activation.Sigmoid)]
public partial class K2GruResetAfter;

[Sequential, Input(8), Embedding(9, 3), Gru(4, RecurrentActivation = Activation.HardSigmoid, ResetAfter = false), Dense(2, Activation = Activation.Sigmoid)]
public partial class K2GruKeras3HardSigmoid;

[Sequential, Input(8), Embedding(9, 3, MaskZero = true), Gru(4, RecurrentActivation = Activation.HardSigmoidKeras2, ResetAfter = false), Dense(2, Activation = Activation.Sigmoid)]
public partial class K2GruMaskZero;

// Variation of FxBiTd (k3_bidirectional_timedistributed.keras).

[Sequential, Input(4, 2), Bidirectional(MergeMode.Sum), Lstm(3, ReturnSequences = true), TimeDistributed, Dense(2, Activation = Activation.Softmax)]
public partial class OtherMergeMode;

// The model of ../shared/keras-models/lstm_stacked_k3_zip, to compare the config KerasExport writes with Keras 3.3.3's.

[Sequential, Input(12, 24), Lstm(50, ReturnSequences = true), Dropout(0.2), Lstm(50), Dropout(0.2), Dense(25), Dense(2)]
public partial class LstmStackLike;

// The model of the bad files' config (make_keras_fixtures.py make_bad): Input (2, 2), Dense(2).

[Sequential, Input(2, 2), Dense(2)]
public partial class BadSmall;
