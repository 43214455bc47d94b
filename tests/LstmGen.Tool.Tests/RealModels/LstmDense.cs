// Declared by `lstmgen declare` from lstm_model.h5 (HDF5 model, Keras 3.13.2, Sequential 'sequential_1').
// Load its weights with KerasImport.Load(new LstmDense(), "lstm_model.h5").
using LstmGen;

namespace LstmGen.Tool.Tests.RealModels;

[Sequential]
[Input(60, 13)]
[Lstm(64)]
[Dense(32, Activation = Activation.Relu)]
[Dense(1)]
public partial class LstmDense;
