using LstmGen;

namespace Sentiment;

/// <summary>
/// The Keras sentiment example, many-to-one:
/// <code>
/// model = Sequential([Input((40,)), Embedding(2000, 64, mask_zero=True), LSTM(64), Dense(1, activation='sigmoid')])
/// model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
/// </code>
/// </summary>
[Sequential(Seed = 42, Loss = LossKind.BinaryCrossEntropy)]
[Input(SentimentSample.MaxLength)]
[Embedding(SentimentSample.VocabularySize, 64, MaskZero = true)]
[Lstm(64)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class SentimentModel;
