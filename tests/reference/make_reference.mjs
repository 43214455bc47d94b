// Reference-number generator for LstmGen, using TensorFlow.js layers (a Keras
// port with the Keras weight layout) on the pure-JS CPU backend.
//
//   cd tests/reference && npm ci && node make_reference.mjs
//
// Writes one JSON file per case to ../LstmGen.Tests/Reference/<case>.json.
// Deterministic: weights and inputs come from a seeded PRNG (mulberry32, seeded
// per case from the case name), so two runs give byte-identical files.
// See README.md for the format and the tfjs traps handled here.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  tf, ENGINE, mulberry32, fnv1a, f32, fmt, prod, sameShape, toJson, buildModel,
  input, dense, embedding, lstm, bidirectional, timeDistributed, repeatVector, sliceLast, zeroPadding1d, seq,
  gru, simpleRnn, activation, dropout, spatialDropout1d, activationFn, checkActivations,
} from './reference_common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.resolve(HERE, '../LstmGen.Tests/Reference');

// Token pattern for the masked cases: 'F' = random id in 1..inputDim-1, 0 = padding.
const MASK_PATTERN = [
  ['F', 'F', 'F', 'F', 'F', 'F', 'F', 'F'], // full length
  ['F', 'F', 'F', 'F', 'F', 0, 0, 0], // post-padded
  [0, 0, 0, 'F', 'F', 'F', 'F', 'F'], // pre-padded
  ['F', 'F', 0, 'F', 'F', 0, 0, 0], // zero in the middle (+ post padding)
];

// One case per new activation: input[4] -> Dense(8, act) -> Dense(6) -> Activation(act) -> Dense(2). The
// ranges put the pre-activations of both activating layers on both sides of every kink (0; ±2.5 for Keras 2's
// hard_sigmoid, ±3 for Keras 3's); check_training_fd.mjs checks it.
const ACTIVATION_RANGES = {
  elu: {}, selu: {}, gelu: { inputRange: 2 }, softplus: { inputRange: 2 }, softsign: { inputRange: 2 }, swish: { inputRange: 2 },
  // Dense(6) sees hard sigmoid outputs in [0, 1]: larger weights there.
  hard_sigmoid: { weightRange: 1.5, inputRange: 3, weightRanges: { 'dense_1/kernel': 4 } },
  hard_sigmoid_keras2: { weightRange: 1.5, inputRange: 3, weightRanges: { 'dense_1/kernel': 4 } },
  leaky_relu: {}, exponential: {},
};
const ACTIVATION_CASES = Object.entries(ACTIVATION_RANGES).map(([act, ranges]) => ({
  name: `activation_${act}`,
  ...ranges,
  layers: [input([4]), dense(8, act), dense(6), activation(act), dense(2)],
}));

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------
const CASES = [
  { name: 'one_to_one', layers: [input([4]), dense(8, 'relu'), dense(3, 'softmax')] },
  { name: 'dense_activations_2d', layers: [input([5]), dense(4, 'tanh'), dense(4, 'sigmoid'), dense(3, 'linear'), dense(2, 'relu', false)] },
  { name: 'one_to_many', layers: [input([3]), repeatVector(5), lstm(6, seq), timeDistributed(dense(2))] },
  { name: 'many_to_one', layers: [input([7, 3]), lstm(5), dense(1)] },
  { name: 'many_to_many_same', layers: [input([6, 2]), lstm(4, seq), timeDistributed(dense(3, 'sigmoid'))] },
  { name: 'many_to_many_slice', layers: [input([6, 4]), lstm(8, seq), sliceLast(3), timeDistributed(dense(2))] },
  { name: 'many_to_many_pad', layers: [input([4, 2]), zeroPadding1d(0, 3), lstm(5, seq), dense(2, 'tanh')] },
  { name: 'encoder_decoder', layers: [input([5, 2]), lstm(6), repeatVector(3), lstm(6, seq), timeDistributed(dense(1))] },
  { name: 'stacked', layers: [input([10, 1]), lstm(50, seq), lstm(50), dense(1)] },
  { name: 'long_sequence', batch: 2, layers: [input([40, 3]), lstm(6), dense(1)] },
  { name: 'long_stacked_seq', batch: 2, layers: [input([33, 2]), lstm(4, seq), lstm(3, seq), dense(2, 'softmax')] },
  { name: 'go_backwards_last', layers: [input([6, 3]), lstm(5, { goBackwards: true }), dense(1)] },
  { name: 'go_backwards_seq', layers: [input([6, 3]), lstm(5, { goBackwards: true, returnSequences: true }), dense(2)] },
  {
    name: 'lstm_activations',
    layers: [
      input([5, 3]),
      lstm(4, { activation: 'relu', recurrentActivation: 'tanh', returnSequences: true }),
      lstm(3, { activation: 'sigmoid', recurrentActivation: 'sigmoid' }),
      dense(1),
    ],
  },
  { name: 'lstm_linear_activation', layers: [input([5, 2]), lstm(4, { activation: 'linear' }), dense(1)] },
  { name: 'lstm_no_bias', layers: [input([5, 3]), lstm(4, { useBias: false }), dense(1, 'linear', false)] },
  { name: 'return_state', layers: [input([6, 3]), lstm(5, { returnState: true })] },
  { name: 'return_state_seq', layers: [input([6, 3]), lstm(5, { returnSequences: true, returnState: true })] },
  { name: 'bidirectional_concat_seq', layers: [input([6, 3]), bidirectional('concat', lstm(4, seq)), timeDistributed(dense(2))] },
  { name: 'bidirectional_concat_last', layers: [input([6, 3]), bidirectional('concat', lstm(4)), dense(1)] },
  { name: 'bidirectional_sum', layers: [input([6, 3]), bidirectional('sum', lstm(4, seq)), dense(2)] },
  { name: 'bidirectional_mul', layers: [input([6, 3]), bidirectional('mul', lstm(4)), dense(1)] },
  { name: 'bidirectional_ave', layers: [input([6, 3]), bidirectional('ave', lstm(4, seq)), lstm(3), dense(1)] },
  { name: 'embedding_lstm', tokens: 'random', layers: [input([8]), embedding(20, 4), lstm(5), dense(1, 'sigmoid')] },
  { name: 'embedding_mask', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), lstm(5), dense(1, 'sigmoid')] },
  { name: 'embedding_mask_stacked', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), lstm(4, seq), lstm(3), dense(1)] },
  { name: 'embedding_mask_seq_out', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), lstm(4, seq), timeDistributed(dense(2))] },
  { name: 'embedding_mask_bidirectional', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), bidirectional('concat', lstm(3)), dense(1, 'sigmoid')] },
  { name: 'embedding_mask_go_backwards', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), lstm(4, { goBackwards: true }), dense(1)] },
  { name: 'dense_softmax_seq', layers: [input([4, 3]), dense(5, 'softmax'), dense(2, 'relu')] },

  // GRU, reset_after = true (Keras 3's default): the custom tfjs cell GRUCellResetAfter.
  { name: 'gru_last', layers: [input([7, 3]), gru(5), dense(1)] },
  { name: 'gru_seq', layers: [input([6, 3]), gru(4, seq), timeDistributed(dense(2))] },
  { name: 'gru_stacked', layers: [input([8, 2]), gru(6, seq), gru(4), dense(1)] },
  { name: 'gru_long_sequence', batch: 2, layers: [input([24, 2]), gru(4), dense(1)] },
  { name: 'gru_go_backwards_last', layers: [input([6, 3]), gru(5, { goBackwards: true }), dense(1)] },
  { name: 'gru_go_backwards_seq', layers: [input([6, 3]), gru(4, { goBackwards: true, returnSequences: true }), dense(2)] },
  { name: 'gru_bidirectional_concat_seq', layers: [input([6, 3]), bidirectional('concat', gru(4, seq)), timeDistributed(dense(2))] },
  { name: 'gru_bidirectional_ave', layers: [input([6, 3]), bidirectional('ave', gru(4)), dense(1)] },
  { name: 'gru_embedding_mask', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), gru(5), dense(1, 'sigmoid')] },
  { name: 'gru_embedding_mask_seq_out', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), gru(4, seq), timeDistributed(dense(2))] },
  { name: 'gru_embedding_mask_bidirectional', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), bidirectional('concat', gru(3)), dense(1)] },
  { name: 'gru_return_state', layers: [input([6, 3]), gru(5, { returnState: true })] },
  { name: 'gru_return_state_seq', layers: [input([6, 3]), gru(5, { returnSequences: true, returnState: true })] },
  { name: 'gru_no_bias', layers: [input([5, 3]), gru(4, { useBias: false }), dense(1, 'linear', false)] },
  {
    // Keras 2's hard_sigmoid as the recurrent activation (its kinks at ±2.5 reached: larger weights and inputs), relu as the activation.
    name: 'gru_activations',
    weightRange: 1.2,
    weightRanges: { 'dense/kernel': 0.3 }, // a moderate output (and so gradient) scale
    inputRange: 2,
    layers: [
      input([6, 3]),
      gru(4, { recurrentActivation: 'hard_sigmoid_keras2', activation: 'relu', returnSequences: true }),
      gru(3, { activation: 'relu' }),
      dense(1),
    ],
  },

  // GRU, reset_after = false (Keras 2's default): tfjs's own GRU.
  { name: 'gru_before_last', layers: [input([7, 3]), gru(5, { resetAfter: false }), dense(1)] },
  { name: 'gru_before_seq', layers: [input([6, 3]), gru(4, { resetAfter: false, returnSequences: true }), timeDistributed(dense(2))] },
  { name: 'gru_before_stacked', layers: [input([8, 2]), gru(6, { resetAfter: false, returnSequences: true }), gru(4, { resetAfter: false }), dense(1)] },
  { name: 'gru_before_go_backwards', layers: [input([6, 3]), gru(4, { resetAfter: false, goBackwards: true, returnSequences: true }), dense(2)] },
  { name: 'gru_before_bidirectional_sum', layers: [input([6, 3]), bidirectional('sum', gru(4, { resetAfter: false, returnSequences: true })), dense(2)] },
  { name: 'gru_before_embedding_mask', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), gru(5, { resetAfter: false }), dense(1, 'sigmoid')] },
  { name: 'gru_before_return_state', layers: [input([6, 3]), gru(5, { resetAfter: false, returnState: true })] },
  { name: 'gru_before_no_bias', layers: [input([5, 3]), gru(4, { resetAfter: false, useBias: false }), dense(1, 'linear', false)] },
  {
    name: 'gru_before_activations',
    weightRange: 1.2,
    inputRange: 2,
    layers: [input([6, 3]), gru(4, { resetAfter: false, recurrentActivation: 'hard_sigmoid_keras2', activation: 'relu' }), dense(1)],
  },

  // SimpleRNN (tfjs's simpleRNN).
  { name: 'simple_rnn_last', layers: [input([7, 3]), simpleRnn(5), dense(1)] },
  { name: 'simple_rnn_seq', layers: [input([6, 3]), simpleRnn(4, seq), timeDistributed(dense(2))] },
  { name: 'simple_rnn_stacked', layers: [input([8, 2]), simpleRnn(6, seq), simpleRnn(4), dense(1)] },
  { name: 'simple_rnn_long_sequence', batch: 2, layers: [input([24, 2]), simpleRnn(4), dense(1)] },
  { name: 'simple_rnn_go_backwards', layers: [input([6, 3]), simpleRnn(4, { goBackwards: true, returnSequences: true }), dense(2)] },
  { name: 'simple_rnn_bidirectional_concat', layers: [input([6, 3]), bidirectional('concat', simpleRnn(4, seq)), timeDistributed(dense(2))] },
  { name: 'simple_rnn_bidirectional_mul', layers: [input([6, 3]), bidirectional('mul', simpleRnn(4)), dense(1)] },
  { name: 'simple_rnn_embedding_mask', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), simpleRnn(5), dense(1, 'sigmoid')] },
  { name: 'simple_rnn_embedding_mask_seq_out', tokens: MASK_PATTERN, layers: [input([8]), embedding(20, 4, true), simpleRnn(4, seq), timeDistributed(dense(2))] },
  { name: 'simple_rnn_return_state', layers: [input([6, 3]), simpleRnn(5, { returnState: true })] },
  { name: 'simple_rnn_return_state_seq', layers: [input([6, 3]), simpleRnn(5, { returnSequences: true, returnState: true })] },
  { name: 'simple_rnn_relu', inputRange: 0.8, layers: [input([6, 3]), simpleRnn(5, { activation: 'relu', returnSequences: true }), simpleRnn(3, { activation: 'relu' }), dense(1)] },
  { name: 'simple_rnn_no_bias', layers: [input([5, 3]), simpleRnn(4, { useBias: false }), dense(1, 'linear', false)] },

  // The new activations: a Dense layer and an Activation layer with each (pre-activations on both sides of every kink).
  ...ACTIVATION_CASES,
  {
    name: 'lstm_new_activations',
    weightRange: 1.2,
    weightRanges: { 'lstm_1/kernel': 3, 'lstm_1/bias': 2 }, // its input (elu of the first LSTM's output) is small
    inputRange: 2,
    layers: [
      input([6, 3]),
      lstm(5, { activation: 'softsign', recurrentActivation: 'hard_sigmoid', returnSequences: true }),
      activation('elu'),
      lstm(4, { activation: 'selu', recurrentActivation: 'hard_sigmoid_keras2' }),
      dense(1),
    ],
  },
  {
    name: 'gru_new_activations',
    weightRange: 1.2,
    weightRanges: { 'gru_1/kernel': 2.5, 'dense/kernel': 0.2 }, // gru_1's gates reach the kinks; a moderate output (and gradient) scale
    inputRange: 1.9,
    layers: [
      input([6, 3]),
      gru(5, { activation: 'gelu', recurrentActivation: 'hard_sigmoid', returnSequences: true }),
      activation('softsign'),
      gru(4, { activation: 'swish', recurrentActivation: 'hard_sigmoid_keras2', resetAfter: false }),
      dense(1),
    ],
  },
  {
    name: 'simple_rnn_other_activations',
    batch: 4, // the elu outputs (every step) on both sides of 0
    inputRange: 2,
    layers: [input([6, 3]), simpleRnn(5, { activation: 'softplus', returnSequences: true }), simpleRnn(4, { activation: 'leaky_relu', returnSequences: true }), dense(2, 'elu')],
  },

  // Dropout and SpatialDropout1D: the identity in inference.
  {
    name: 'dropout_layers',
    layers: [input([6, 3]), lstm(5, seq), dropout(0.3), spatialDropout1d(0.2), gru(4), dropout(0.5), dense(1)],
  },
  {
    name: 'dropout_masked',
    tokens: MASK_PATTERN,
    layers: [input([8]), embedding(20, 4, true), spatialDropout1d(0.3), simpleRnn(4, seq), dropout(0.2), timeDistributed(dense(2))],
  },
];

// ---------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------
function runCase(c) {
  const rand = mulberry32(fnv1a(c.name));
  const uniform = (lo, hi) => f32(lo + (hi - lo) * rand());
  const batch = c.batch ?? (Array.isArray(c.tokens) ? c.tokens.length : 3);
  const [inDesc, ...rest] = c.layers;
  const inputIsTokens = c.tokens != null;
  const weightRange = c.weightRange ?? 0.5; // weights uniform(-weightRange, weightRange), or c.weightRanges[weight name]
  const inputRange = c.inputRange ?? 1; // float inputs uniform(-inputRange, inputRange)

  const { model, built, hasStates } = buildModel(c.layers, inputIsTokens, c.name);
  if (built.some((b) => b.layer.name !== b.name)) throw new Error('layer names');

  // Weights, in model order, mapped by layer and role (not by tfjs's names).
  const weights = [];
  for (const b of built) {
    const tfjsWeights = b.layer.getWeights();
    if (tfjsWeights.length !== b.specs.length) {
      throw new Error(`${c.name}: layer ${b.layer.name} has ${tfjsWeights.length} weights, expected ${b.specs.length}`);
    }
    const tensors = [];
    b.specs.forEach((s, i) => {
      if (!sameShape(tfjsWeights[i].shape, s.shape)) {
        throw new Error(`${c.name}: ${s.name} shape ${tfjsWeights[i].shape} != ${s.shape}`);
      }
      const values = new Float32Array(prod(s.shape));
      const r = c.weightRanges?.[s.name] ?? weightRange;
      for (let k = 0; k < values.length; k++) values[k] = uniform(-r, r);
      weights.push({ name: s.name, shape: s.shape, values });
      tensors.push(tf.tensor(values, s.shape, 'float32'));
    });
    if (tensors.length) b.layer.setWeights(tensors);
    tf.dispose(tensors);
    // Read back: the values in the layer must be exactly what we write.
    const back = b.layer.getWeights();
    b.specs.forEach((s, i) => {
      const got = back[i].dataSync();
      const want = weights[weights.length - b.specs.length + i].values;
      for (let k = 0; k < want.length; k++) {
        if (got[k] !== want[k]) throw new Error(`${c.name}: ${s.name} read-back mismatch at ${k}`);
      }
    });
  }

  // Input.
  const inputShape = inDesc.shape;
  const n = batch * prod(inputShape);
  let inputValues;
  if (!inputIsTokens) {
    inputValues = new Float32Array(n);
    for (let k = 0; k < n; k++) inputValues[k] = uniform(-inputRange, inputRange);
  } else {
    const emb = rest.find((d) => d.type === 'embedding');
    const vocab = emb.inputDim;
    if (c.tokens === 'random') {
      inputValues = Int32Array.from({ length: n }, () => Math.floor(rand() * vocab));
    } else {
      if (c.tokens.length !== batch) throw new Error('token pattern / batch mismatch');
      inputValues = Int32Array.from(c.tokens.flat().map((p) => (p === 0 ? 0 : 1 + Math.floor(rand() * (vocab - 1)))));
    }
    if (inputValues.length !== n) throw new Error('token pattern / shape mismatch');
    for (const v of inputValues) if (v < 0 || v >= vocab) throw new Error('token out of range');
  }
  const xt = tf.tensor(inputValues, [batch, ...inputShape], inputIsTokens ? 'int32' : 'float32');

  let outs = model.predict(xt, { batchSize: batch });
  if (!Array.isArray(outs)) outs = [outs];
  const out = outs[0];
  const outputShape = out.shape.slice(1);

  const result = {
    name: c.name,
    engine: ENGINE,
    layers: c.layers,
    layerNames: built.map((b) => b.name),
    inputShape,
    inputIsTokens,
    batch,
    input: Array.from(inputValues, (v) => (inputIsTokens ? v : fmt(v))),
    outputShape,
    output: Array.from(out.dataSync(), fmt),
  };
  if (hasStates) {
    result.stateH = Array.from(outs[1].dataSync(), fmt); // every recurrent layer has h
    if (outs.length > 2) result.stateC = Array.from(outs[2].dataSync(), fmt); // an LSTM also c
  }
  result.weights = weights.map((w) => ({ name: w.name, shape: w.shape, values: Array.from(w.values, fmt) }));

  tf.dispose([xt, ...outs]);
  model.dispose();
  return result;
}

// ---------------------------------------------------------------------------
await tf.setBackend('cpu');
await tf.ready();
if (tf.getBackend() !== 'cpu') throw new Error('cpu backend not active');
console.log(`activations vs Keras's float64 formulas: max |diff| ${checkActivations().toExponential(2)}`);
fs.mkdirSync(OUT_DIR, { recursive: true });
const only = process.argv.slice(2);
const names = new Set();
for (const c of CASES) {
  if (names.has(c.name)) throw new Error(`duplicate case ${c.name}`);
  names.add(c.name);
  if (only.length && !only.includes(c.name)) continue;
  const r = runCase(c);
  fs.writeFileSync(path.join(OUT_DIR, `${c.name}.json`), toJson(r));
  console.log(`${c.name.padEnd(30)} output [${r.batch},${r.outputShape}]  weights ${r.weights.length}`);
}
console.log(`${only.length ? only.length : CASES.length} case(s) written to ${path.relative(process.cwd(), OUT_DIR) || '.'}`);
