// Declared by `lstmgen declare` from bilstm_model.h5 (HDF5 model, Keras 2.10.0, Sequential 'sequential_2').
// Load its weights with KerasImport.Load(new BilstmNamed(), "bilstm_model.h5").
using LstmGen;

namespace LstmGen.Tool.Tests.RealModels;

[Sequential]
[Input(10, 300)]
[Bidirectional(Name = "bidirectional_4"), Lstm(64, ReturnSequences = true, Name = "lstm_4")]
[Dropout(0.5, Name = "dropout_4")]
[Bidirectional(Name = "bidirectional_5"), Lstm(64, Name = "lstm_5")]
[Dropout(0.5, Name = "dropout_5")]
[Dense(10, Activation = Activation.Tanh, Name = "dense_6")]
[Dense(5, Activation = Activation.Softmax, Name = "dense_7")]
public partial class BilstmNamed;
