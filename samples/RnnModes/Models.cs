using LstmGen;

namespace RnnModes;

// The classic "many-to-one / many-to-many LSTM in Keras" modes, each as a model declaration.

/// <summary>One-to-one: a vector in, a class out. Keras: Sequential([Input((4,)), Dense(32, 'relu'), Dense(3, 'softmax')]).</summary>
[Sequential(Seed = 1), Input(4), Dense(32, Activation = Activation.Relu), Dense(3, Activation = Activation.Softmax)]
public partial class OneToOneModel;

/// <summary>One-to-many: one value in, a sequence out. Keras: Input((1,)), RepeatVector(6), LSTM(32, return_sequences=True), TimeDistributed(Dense(1)).</summary>
[Sequential(Seed = 2), Input(1), RepeatVector(6), Lstm(32, ReturnSequences = true), TimeDistributed, Dense(1)]
public partial class OneToManyModel;

/// <summary>Many-to-one: a sequence in, one value out. Keras: Input((10, 1)), LSTM(32), Dense(1).</summary>
[Sequential(Seed = 3), Input(10, 1), Lstm(32), Dense(1)]
public partial class ManyToOneModel;

/// <summary>Many-to-many, same length: one output per input step. Keras: LSTM(32, return_sequences=True), TimeDistributed(Dense(1)).</summary>
[Sequential(Seed = 4), Input(10, 1), Lstm(32, ReturnSequences = true), TimeDistributed, Dense(1)]
public partial class ManyToManySameModel;

/// <summary>Many-to-many, shorter output: the last 3 steps. Keras: LSTM(32, return_sequences=True), Lambda(lambda x: x[:, -3:, :]), TimeDistributed(Dense(1)).</summary>
[Sequential(Seed = 5), Input(10, 1), Lstm(32, ReturnSequences = true), SliceLast(3), TimeDistributed, Dense(1)]
public partial class ManyToManyShorterModel;

/// <summary>Many-to-many, longer output: pad the sequence end. Keras: ZeroPadding1D((0, 3)), LSTM(32, return_sequences=True), TimeDistributed(Dense(1)).</summary>
[Sequential(Seed = 6), Input(5, 1), ZeroPadding1D(0, 3), Lstm(32, ReturnSequences = true), TimeDistributed, Dense(1)]
public partial class ManyToManyLongerModel;

/// <summary>Encoder-decoder: LSTM(48) encodes, RepeatVector(5) feeds the decoder LSTM(48, return_sequences=True), TimeDistributed(Dense(1)).</summary>
[Sequential(Seed = 7), Input(5, 1), Lstm(48), RepeatVector(5), Lstm(48, ReturnSequences = true), TimeDistributed, Dense(1)]
public partial class EncoderDecoderModel;
