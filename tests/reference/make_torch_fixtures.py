#!/usr/bin/python3
"""Writes PyTorch state_dicts as safetensors, with each module's output on a seeded input, for LstmGen's PyTorch import.

Modules (torch 1.13, Debian's python3-torch; run with /usr/bin/python3): nn.LSTM (1 layer, 2 layers, bidirectional,
2-layer bidirectional), nn.GRU (and bidirectional), nn.RNN (tanh, relu), nn.Linear, nn.Embedding and nn.Conv1d; and two
whole models with module prefixes (model_*: Embedding + 2-layer LSTM + Linear on the last step; a bidirectional GRU
inside a submodule + Linear on every step). Recurrent
modules use batch_first=True, so inputs are (batch, steps, features) as in Keras. Conv1d takes (batch, channels,
length), as PyTorch does (Keras's Conv1D takes (batch, steps, channels)).

For each case: ../LstmGen.Tests/Fixtures/Torch/<case>.safetensors (the module's state_dict, F32, names as PyTorch
gives them: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse, ..._l1; weight, bias), written with
write_safetensors.write_file (the safetensors format by hand: the safetensors package is not needed), and
<case>.json: the module's constructor arguments, the input (shape, values), the output and final states computed in
float32, the same computed in float64 from the same float32 weights (and their largest difference), and the tensors
(name, shape, values) in state_dict order.

Seeded and deterministic: running it twice gives byte-identical files.

    /usr/bin/python3 make_torch_fixtures.py
"""

import copy
import json
import os

import torch
import torch.nn as nn

from write_safetensors import write_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "LstmGen.Tests", "Fixtures", "Torch")


def values(t):
    return [float(x) for x in t.detach().to(torch.float32).reshape(-1).tolist()]


def tensor_entry(t):
    return {"shape": list(t.shape), "values": values(t)}


def run(module, x):
    """Output (and final states) in float32, and in float64 from the same float32 weights."""
    module.eval()
    with torch.no_grad():
        out32 = module(x)
        m64 = copy.deepcopy(module).double()
        out64 = m64(x.double() if x.is_floating_point() else x)
    return out32, out64


def as_list(out):
    if isinstance(out, tuple):
        o, h = out
        if isinstance(h, tuple):
            return {"output": o, "h_n": h[0], "c_n": h[1]}
        return {"output": o, "h_n": h}
    return {"output": out}


def case(name, module, args, x, notes):
    out32, out64 = run(module, x)
    r32, r64 = as_list(out32), as_list(out64)
    state = module.state_dict()
    tensors = [(k, list(v.shape), values(v)) for k, v in state.items()]
    write_file(os.path.join(OUT, name + ".safetensors"), tensors,
               {"format": "pt", "producer": "make_torch_fixtures.py", "module": type(module).__name__, "torch": torch.__version__})
    diff = max(float((r32[k].double() - r64[k]).abs().max()) for k in r32)
    doc = {
        "case": name,
        "module": "torch.nn." + type(module).__name__,
        "args": args,
        "torch": torch.__version__,
        "notes": notes,
        "input": {"dtype": "int64" if not x.is_floating_point() else "float32", "shape": list(x.shape),
                  "values": [int(v) for v in x.reshape(-1).tolist()] if not x.is_floating_point() else values(x)},
        "expected": {k: tensor_entry(v) for k, v in r32.items()},
        "expected_float64": {k: {"shape": list(v.shape), "values": [float(a) for a in v.reshape(-1).tolist()]} for k, v in r64.items()},
        "max_abs_diff_float32_vs_float64": diff,
        "state_dict": [{"name": k, "shape": list(v.shape), "values": values(v)} for k, v in state.items()],
    }
    with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{name:28s} {len(state)} tensors, output {list(r32['output'].shape)}, float32 vs float64 {diff:.1e}")


class TokensLstmHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(12, 4)
        self.rnn = nn.LSTM(4, 5, num_layers=2, batch_first=True)
        self.head = nn.Linear(5, 3)

    def forward(self, x):
        out, _ = self.rnn(self.tok(x))
        return self.head(out[:, -1])


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 4, bidirectional=True, batch_first=True)


class BiGruPerStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = nn.Linear(8, 2)

    def forward(self, x):
        out, _ = self.encoder.rnn(x)
        return self.decoder(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    B, T = 2, 5

    def seeded(seed, make):
        torch.manual_seed(seed)
        return make()

    # LSTM: gates i, f, g, o (Keras: i, f, c, o, the same order); Keras's single bias = bias_ih + bias_hh.
    for name, seed, kw in [
        ("lstm_1layer", 1, dict(input_size=3, hidden_size=4, num_layers=1)),
        ("lstm_2layers", 2, dict(input_size=3, hidden_size=4, num_layers=2)),
        ("lstm_bidirectional", 3, dict(input_size=3, hidden_size=4, num_layers=1, bidirectional=True)),
        ("lstm_2layers_bidirectional", 4, dict(input_size=3, hidden_size=2, num_layers=2, bidirectional=True)),
    ]:
        m = seeded(seed, lambda: nn.LSTM(batch_first=True, **kw))
        x = seeded(100 + seed, lambda: torch.rand(B, T, kw["input_size"]) * 2 - 1)
        case(name, m, dict(kw, batch_first=True), x,
             "gates i, f, g, o in weight_ih_l* rows; output = h of every step (the last layer; both directions concatenated, forward first); "
             "h_n/c_n: (num_layers * num_directions, batch, hidden)")

    # GRU: gates r, z, n in PyTorch, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) (Keras reset_after=True, gates z, r, h).
    for name, seed, kw in [
        ("gru_1layer", 5, dict(input_size=3, hidden_size=4, num_layers=1)),
        ("gru_bidirectional", 6, dict(input_size=3, hidden_size=2, num_layers=1, bidirectional=True)),
    ]:
        m = seeded(seed, lambda: nn.GRU(batch_first=True, **kw))
        x = seeded(100 + seed, lambda: torch.rand(B, T, kw["input_size"]) * 2 - 1)
        case(name, m, dict(kw, batch_first=True), x,
             "gates r, z, n in weight_ih_l* rows (Keras: z, r, h); PyTorch's GRU is Keras's reset_after=True form "
             "(Keras bias (2, 3u): row 0 = bias_ih, row 1 = bias_hh, reordered); h' = (1 - z) * n + z * h")

    kw = dict(input_size=3, hidden_size=4, num_layers=1, nonlinearity="tanh")
    m = seeded(7, lambda: nn.RNN(batch_first=True, **kw))
    x = seeded(107, lambda: torch.rand(B, T, 3) * 2 - 1)
    case("rnn_tanh", m, dict(kw, batch_first=True), x, "h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (Keras SimpleRNN: bias = b_ih + b_hh)")

    kw = dict(input_size=3, hidden_size=4, num_layers=1, nonlinearity="relu")
    m = seeded(11, lambda: nn.RNN(batch_first=True, **kw))
    x = seeded(111, lambda: torch.rand(B, T, 3) * 2 - 1)
    case("rnn_relu", m, dict(kw, batch_first=True), x, "h' = relu(W_ih x + b_ih + W_hh h + b_hh) (Keras SimpleRNN(activation='relu'): bias = b_ih + b_hh)")

    # Whole models with module prefixes, whose names sort in another order than the model's (state_dicts are stored
    # sorted by name): the importer must match modules by kind and shape, not by order.
    m = seeded(12, lambda: TokensLstmHead())
    x = seeded(112, lambda: torch.randint(1, 12, (B, T)))
    case("model_tokens_lstm2_head", m, {"tok": "nn.Embedding(12, 4)", "rnn": "nn.LSTM(4, 5, num_layers=2, batch_first=True)",
                                        "head": "nn.Linear(5, 3)", "forward": "head(rnn(tok(x))[0][:, -1])"}, x,
         "Keras: Embedding(12, 4), LSTM(5, return_sequences=True), LSTM(5), Dense(3); rnn(...)[0][:, -1] is the last "
         "layer's last output, Keras's return_sequences=False")
    m = seeded(13, lambda: BiGruPerStep())
    x = seeded(113, lambda: torch.rand(B, T, 3) * 2 - 1)
    case("model_bigru_per_step", m, {"encoder.rnn": "nn.GRU(3, 4, bidirectional=True, batch_first=True)",
                                     "decoder": "nn.Linear(8, 2)", "forward": "decoder(encoder.rnn(x)[0])"}, x,
         "Keras: Bidirectional(GRU(4, return_sequences=True, reset_after=True)), TimeDistributed(Dense(2)) (or Dense on "
         "the sequence); the linear layer applies to every step")

    m = seeded(8, lambda: nn.Linear(4, 3))
    x = seeded(108, lambda: torch.rand(B, 4) * 2 - 1)
    case("linear", m, dict(in_features=4, out_features=3), x, "y = x W^T + b: weight is (out, in), Keras's kernel is (in, out)")

    m = seeded(9, lambda: nn.Embedding(10, 3))
    x = seeded(109, lambda: torch.randint(0, 10, (B, T)))
    case("embedding", m, dict(num_embeddings=10, embedding_dim=3), x, "weight (num_embeddings, dim), as Keras's embeddings")

    m = seeded(10, lambda: nn.Conv1d(3, 4, kernel_size=3))
    x = seeded(110, lambda: torch.rand(B, 3, 7) * 2 - 1)
    case("conv1d", m, dict(in_channels=3, out_channels=4, kernel_size=3), x,
         "input (batch, channels, length); weight (out, in, k); cross-correlation, no padding, stride 1; "
         "Keras Conv1D kernel is (k, in, out) on (batch, steps, channels)")


if __name__ == "__main__":
    main()
