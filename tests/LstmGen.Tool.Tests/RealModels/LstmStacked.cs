// Declared by `lstmgen declare` from lstm_model.keras (.keras archive, Keras 3.3.3, Sequential 'sequential').
// Load its weights with KerasImport.Load(new LstmStacked(), "lstm_model.keras").
using LstmGen;

namespace LstmGen.Tool.Tests.RealModels;

[Sequential]
[Input(12, 24)]
[Lstm(50, ReturnSequences = true)]
[Dropout(0.2)]
[Lstm(50)]
[Dropout(0.2)]
[Dense(25)]
[Dense(2)]
public partial class LstmStacked;
