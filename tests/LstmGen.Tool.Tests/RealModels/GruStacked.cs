// Declared by `lstmgen declare` from gru_model.keras (.keras archive, Keras 3.15.0, Sequential 'sequential_1').
// Load its weights with KerasImport.Load(new GruStacked(), "gru_model.keras").
using LstmGen;

namespace LstmGen.Tool.Tests.RealModels;

[Sequential]
[Input(480, 3)]
[Gru(64, ReturnSequences = true)]
[Dropout(0.14673260028436005)]
[Gru(32)]
[Dropout(0.14673260028436005)]
[Dense(1)]
public partial class GruStacked;
