using LstmGen;

namespace LstmGen.Tests.Models;

[Sequential(Seed = 7), Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
public partial class SeededStacked;

[Sequential, Input(6, 3), Lstm(8, UnitForgetBias = false), Dense(1)]
public partial class NoForgetBias;

[Sequential, Input(20), Embedding(5000, 128, MaskZero = true), Lstm(128), Dense(1, Activation = Activation.Sigmoid)]
public partial class Sentiment;

[Sequential, Input(10, 1), Lstm(50, ReturnSequences = true, Name = "encoder"), Lstm(50), Dense(1, Name = "head")]
public partial class NamedLayers;
