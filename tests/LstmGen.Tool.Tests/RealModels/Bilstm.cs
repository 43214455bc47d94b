// Declared by `lstmgen declare` from bilstm_model.h5 (HDF5 model, Keras 2.10.0, Sequential 'sequential_2').
// Load its weights with KerasImport.Load(new Bilstm(), "bilstm_model.h5").
using LstmGen;

namespace LstmGen.Tool.Tests.RealModels;

[Sequential]
[Input(10, 300)]
[Bidirectional, Lstm(64, ReturnSequences = true)]
[Dropout(0.5)]
[Bidirectional, Lstm(64)]
[Dropout(0.5)]
[Dense(10, Activation = Activation.Tanh)]
[Dense(5, Activation = Activation.Softmax)]
public partial class Bilstm;
