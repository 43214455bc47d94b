using LstmGen;

namespace LstmGen.Tests.Import.Models;

// The models equivalent to the PyTorch fixtures (tests/reference/make_torch_fixtures.py; batch_first, 5 steps).

[Sequential, Input(5, 3), Lstm(4, ReturnSequences = true)]
public partial class TLstm1;

[Sequential, Input(5, 3), Lstm(4)]
public partial class TLstm1Last;

[Sequential, Input(5, 3), Lstm(4, ReturnSequences = true), Lstm(4, ReturnSequences = true)]
public partial class TLstm2;

[Sequential, Input(5, 3), Bidirectional, Lstm(4, ReturnSequences = true)]
public partial class TLstmBi;

[Sequential, Input(5, 3), Bidirectional, Lstm(4)]
public partial class TLstmBiLast;

[Sequential, Input(5, 3), Bidirectional, Lstm(2, ReturnSequences = true), Bidirectional, Lstm(2, ReturnSequences = true)]
public partial class TLstm2Bi;

[Sequential, Input(5, 3), Gru(4, ReturnSequences = true)]
public partial class TGru1;

[Sequential, Input(5, 3), Bidirectional, Gru(2, ReturnSequences = true)]
public partial class TGruBi;

[Sequential, Input(5, 3), SimpleRnn(4, ReturnSequences = true)]
public partial class TRnnTanh;

[Sequential, Input(5, 3), SimpleRnn(4, ReturnSequences = true, Activation = Activation.Relu)]
public partial class TRnnRelu;

[Sequential, Input(4), Dense(3)]
public partial class TLinear;

[Sequential, Input(5), Embedding(10, 3)]
public partial class TEmbedding;

[Sequential, Input(5), Embedding(12, 4), Lstm(5, ReturnSequences = true), Lstm(5), Dense(3)]
public partial class TTokensLstmHead;

[Sequential, Input(5, 3), Bidirectional, Gru(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class TBiGruPerStep;

// Models that do not fit a fixture, for the error tests.

[Sequential, Input(5, 3), Lstm(5, ReturnSequences = true)]
public partial class TLstmOtherUnits;

[Sequential, Input(5, 3), Gru(4, ReturnSequences = true, ResetAfter = false)]
public partial class TGruResetBefore;

[Sequential, Input(7, 3), Dense(4)]
public partial class TDenseOnConvInput;

[Sequential, Input(5, 3), Lstm(3, ReturnSequences = true), Lstm(3)]
public partial class TTwoLstms;

[Sequential, Input(5, 3), Lstm(4, ReturnSequences = true, Activation = Activation.Relu)]
public partial class TLstmRelu;
