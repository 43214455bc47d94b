// Declared by `lstmgen declare` from gru.h5 (HDF5 model, Keras 2.0.4, Model 'model_4').
// Load its weights with KerasImport.Load(new EmbGruHardSigmoid(), "gru.h5").
using LstmGen;

namespace LstmGen.Tool.Tests.RealModels;

[Sequential]
[Input(500)]
[Embedding(5000, 50)]
[Gru(50, RecurrentActivation = Activation.HardSigmoidKeras2, ResetAfter = false, Dropout = 0.2, RecurrentDropout = 0.2)]
[Dense(2, Activation = Activation.Sigmoid)]
public partial class EmbGruHardSigmoid;
