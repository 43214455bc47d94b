// Reference-number generator for LstmGen, using TensorFlow.js layers (a Keras
// port with the Keras weight layout) on the pure-JS CPU backend.
//
//   cd tests/reference && npm ci && node make_reference.mjs
//
// Writes one JSON file per case to ../LstmGen.Tests/Reference/<case>.json.
// Deterministic: weights and inputs come from a seeded PRNG (mulberry32, seeded
// per case from the case name), so two runs give byte-identical files.
// See README.md for the format and the tfjs traps handled here.

import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.resolve(HERE, '../LstmGen.Tests/Reference');
const ENGINE = `@tensorflow/tfjs ${tf.version.tfjs} (cpu backend)`;

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
const f32 = Math.fround;

// Shortest decimal that parses back (to float32) to exactly x.
function fmt(x) {
  if (!Number.isFinite(x)) throw new Error(`non-finite value ${x}`);
  if (x === 0) return 0; // also turns -0 into 0
  for (let p = 1; p <= 9; p++) {
    const n = Number(x.toPrecision(p));
    if (f32(n) === x) return n;
  }
  throw new Error(`cannot format ${x}`);
}

// ---------------------------------------------------------------------------
// Custom layers (tfjs has no Lambda layer and no ZeroPadding1D)
// ---------------------------------------------------------------------------
class SliceLast extends tf.layers.Layer {
  static className = 'SliceLast';
  constructor(config) {
    super(config);
    this.n = config.n;
  }
  computeOutputShape(inputShape) {
    return [inputShape[0], this.n, inputShape[2]];
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const t = x.shape[1];
      return tf.slice(x, [0, t - this.n, 0], [-1, this.n, -1]);
    });
  }
  getConfig() {
    return { ...super.getConfig(), n: this.n };
  }
}
tf.serialization.registerClass(SliceLast);

class ZeroPadding1D extends tf.layers.Layer {
  static className = 'ZeroPadding1D';
  constructor(config) {
    super(config);
    this.left = config.left;
    this.right = config.right;
  }
  computeOutputShape(inputShape) {
    const t = inputShape[1] == null ? null : inputShape[1] + this.left + this.right;
    return [inputShape[0], t, inputShape[2]];
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.pad(x, [[0, 0], [this.left, this.right], [0, 0]]);
    });
  }
  getConfig() {
    return { ...super.getConfig(), left: this.left, right: this.right };
  }
}
tf.serialization.registerClass(ZeroPadding1D);

// ---------------------------------------------------------------------------
// Layer-description helpers (the vocabulary the C# side uses; all fields explicit)
// ---------------------------------------------------------------------------
const input = (shape) => ({ type: 'input', shape });
const dense = (units, activation = 'linear', useBias = true) => ({ type: 'dense', units, activation, useBias });
const embedding = (inputDim, outputDim, maskZero = false) => ({ type: 'embedding', inputDim, outputDim, maskZero });
const lstm = (units, o = {}) => ({
  type: 'lstm',
  units,
  returnSequences: o.returnSequences ?? false,
  returnState: o.returnState ?? false,
  goBackwards: o.goBackwards ?? false,
  activation: o.activation ?? 'tanh',
  recurrentActivation: o.recurrentActivation ?? 'sigmoid',
  useBias: o.useBias ?? true,
});
const bidirectional = (mergeMode, layer) => ({ type: 'bidirectional', mergeMode, layer });
const timeDistributed = (layer) => ({ type: 'timeDistributed', layer });
const repeatVector = (n) => ({ type: 'repeatVector', n });
const sliceLast = (n) => ({ type: 'sliceLast', n });
const zeroPadding1d = (left, right) => ({ type: 'zeroPadding1d', left, right });
const seq = { returnSequences: true };

// Token pattern for the masked cases: 'F' = random id in 1..inputDim-1, 0 = padding.
const MASK_PATTERN = [
  ['F', 'F', 'F', 'F', 'F', 'F', 'F', 'F'], // full length
  ['F', 'F', 'F', 'F', 'F', 0, 0, 0], // post-padded
  [0, 0, 0, 'F', 'F', 'F', 'F', 'F'], // pre-padded
  ['F', 'F', 0, 'F', 'F', 0, 0, 0], // zero in the middle (+ post padding)
];

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
];

// ---------------------------------------------------------------------------
// Keras naming: per-class counters in model order; a wrapped layer is
// constructed first and consumes its own counter.
// ---------------------------------------------------------------------------
const KERAS_BASE = {
  dense: 'dense',
  lstm: 'lstm',
  embedding: 'embedding',
  bidirectional: 'bidirectional',
  timeDistributed: 'time_distributed',
  repeatVector: 'repeat_vector',
  sliceLast: 'lambda',
  zeroPadding1d: 'zero_padding1d',
};
function makeNamer() {
  const counters = {};
  return (type) => {
    const base = KERAS_BASE[type];
    if (!base) throw new Error(`no Keras name for ${type}`);
    const k = counters[base] ?? 0;
    counters[base] = k + 1;
    return k === 0 ? base : `${base}_${k}`;
  };
}

// ---------------------------------------------------------------------------
// Building tfjs layers from descriptions
// ---------------------------------------------------------------------------
function lstmLayer(d, name) {
  return tf.layers.lstm({
    name,
    units: d.units,
    returnSequences: d.returnSequences,
    returnState: d.returnState,
    goBackwards: d.goBackwards,
    activation: d.activation,
    // Trap: tfjs defaults recurrentActivation to 'hardSigmoid'; always explicit.
    recurrentActivation: d.recurrentActivation,
    useBias: d.useBias,
    // Weights are overwritten below; zeros avoids the slow orthogonal init.
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
    biasInitializer: 'zeros',
  });
}
function denseLayer(d, name) {
  return tf.layers.dense({ name, units: d.units, activation: d.activation, useBias: d.useBias });
}

// Returns { layer, kerasName, weightSpecs(inDim) } where weightSpecs lists
// { name, shape, get(layer) } in Keras order.
function buildLayer(d, nameOf) {
  switch (d.type) {
    case 'dense': {
      const name = nameOf('dense');
      return { layer: denseLayer(d, name), roles: denseRoles(name, d) };
    }
    case 'embedding': {
      const name = nameOf('embedding');
      const layer = tf.layers.embedding({ name, inputDim: d.inputDim, outputDim: d.outputDim, maskZero: d.maskZero });
      return { layer, roles: () => [{ name: `${name}/embeddings`, shape: [d.inputDim, d.outputDim] }] };
    }
    case 'lstm': {
      const name = nameOf('lstm');
      return { layer: lstmLayer(d, name), roles: lstmRoles(name, d) };
    }
    case 'bidirectional': {
      if (d.layer.type !== 'lstm') throw new Error('bidirectional supports lstm only');
      if (d.layer.returnState) throw new Error('bidirectional returnState not supported here');
      const innerName = nameOf('lstm'); // inner layer constructed first
      const name = nameOf('bidirectional');
      const inner = lstmLayer(d.layer, innerName);
      const layer = tf.layers.bidirectional({ name, layer: inner, mergeMode: d.mergeMode });
      const fw = lstmRoles(`${name}/forward_${innerName}`, d.layer);
      const bw = lstmRoles(`${name}/backward_${innerName}`, d.layer);
      return { layer, roles: (inDim) => [...fw(inDim), ...bw(inDim)] };
    }
    case 'timeDistributed': {
      if (d.layer.type !== 'dense') throw new Error('timeDistributed supports dense only');
      nameOf('dense'); // inner Dense consumes a "dense" counter
      const name = nameOf('timeDistributed');
      const inner = denseLayer(d.layer, `${name}_inner_dense`);
      const layer = tf.layers.timeDistributed({ name, layer: inner });
      return { layer, roles: denseRoles(name, d.layer) };
    }
    case 'repeatVector': {
      const name = nameOf('repeatVector');
      return { layer: tf.layers.repeatVector({ name, n: d.n }), roles: () => [] };
    }
    case 'sliceLast': {
      const name = nameOf('sliceLast');
      return { layer: new SliceLast({ name, n: d.n }), roles: () => [] };
    }
    case 'zeroPadding1d': {
      const name = nameOf('zeroPadding1d');
      return { layer: new ZeroPadding1D({ name, left: d.left, right: d.right }), roles: () => [] };
    }
    default:
      throw new Error(`unknown layer type ${d.type}`);
  }
}
function denseRoles(name, d) {
  return (inDim) => {
    const r = [{ name: `${name}/kernel`, shape: [inDim, d.units] }];
    if (d.useBias) r.push({ name: `${name}/bias`, shape: [d.units] });
    return r;
  };
}
function lstmRoles(name, d) {
  const u = d.units;
  return (inDim) => {
    const r = [
      { name: `${name}/kernel`, shape: [inDim, 4 * u] },
      { name: `${name}/recurrent_kernel`, shape: [u, 4 * u] },
    ];
    if (d.useBias) r.push({ name: `${name}/bias`, shape: [4 * u] });
    return r;
  };
}

// Trap (tfjs 4.22 executor bug): once any layer received a mask, the same
// kwargs object (with that mask) is passed to every later layer, even after a
// layer dropped the mask (LSTM without returnSequences, RepeatVector, custom
// layers). A later RNN would then be masked with a stale mask, where Keras uses
// none. Refuse such cases instead of writing wrong references.
function checkNoStaleMask(c) {
  let state = 'none'; // none | live | dropped
  for (const d of c.layers) {
    const rnn = d.type === 'lstm' || d.type === 'bidirectional';
    if (rnn && state === 'dropped') {
      throw new Error(`${c.name}: RNN after a mask was dropped; tfjs would reuse the stale mask (not Keras semantics)`);
    }
    if (d.type === 'embedding') state = d.maskZero ? 'live' : state;
    else if (state === 'live') {
      const keeps =
        d.type === 'dense' || d.type === 'timeDistributed' ||
        (d.type === 'lstm' && d.returnSequences) ||
        (d.type === 'bidirectional' && d.layer.returnSequences);
      if (!keeps) state = 'dropped';
    }
  }
}

const prod = (a) => a.reduce((x, y) => x * y, 1);
const sameShape = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// ---------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------
function runCase(c) {
  const rand = mulberry32(fnv1a(c.name));
  const uniform = (lo, hi) => f32(lo + (hi - lo) * rand());
  const batch = c.batch ?? (Array.isArray(c.tokens) ? c.tokens.length : 3);
  const [inDesc, ...rest] = c.layers;
  if (inDesc.type !== 'input') throw new Error('first layer must be input');
  const inputIsTokens = c.tokens != null;

  checkNoStaleMask(c);
  const nameOf = makeNamer();
  const x = tf.input({ shape: inDesc.shape, dtype: inputIsTokens ? 'int32' : 'float32', name: 'input' });
  let h = x;
  const built = [];
  let extraOutputs = null;
  for (const d of rest) {
    const b = buildLayer(d, nameOf);
    const inDim = h.shape[h.shape.length - 1];
    let y = b.layer.apply(h);
    if (Array.isArray(y)) {
      // returnState: [output, h, c]. Must be the last layer of the model.
      if (d !== rest[rest.length - 1]) throw new Error('returnState layer must be last');
      extraOutputs = y.slice(1);
      y = y[0];
    }
    built.push({ desc: d, layer: b.layer, specs: b.roles(inDim) });
    h = y;
  }
  // Functional API for everything (returnState models cannot be Sequential).
  const model = tf.model({ inputs: x, outputs: extraOutputs ? [h, ...extraOutputs] : h });

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
      for (let k = 0; k < values.length; k++) values[k] = uniform(-0.5, 0.5);
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
    for (let k = 0; k < n; k++) inputValues[k] = uniform(-1, 1);
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
    inputShape,
    inputIsTokens,
    batch,
    input: Array.from(inputValues, (v) => (inputIsTokens ? v : fmt(v))),
    outputShape,
    output: Array.from(out.dataSync(), fmt),
  };
  if (extraOutputs) {
    result.stateH = Array.from(outs[1].dataSync(), fmt);
    result.stateC = Array.from(outs[2].dataSync(), fmt);
  }
  result.weights = weights.map((w) => ({ name: w.name, shape: w.shape, values: Array.from(w.values, fmt) }));

  tf.dispose([xt, ...outs]);
  model.dispose();
  return result;
}

// Compact-but-readable JSON: one top-level key per line, one layer / weight per line.
function toJson(r) {
  const lines = Object.entries(r).map(([k, v]) => {
    let s;
    if ((k === 'layers' || k === 'weights') && Array.isArray(v)) {
      s = v.length === 0 ? '[]' : '[\n' + v.map((e) => '    ' + JSON.stringify(e)).join(',\n') + '\n  ]';
    } else {
      s = JSON.stringify(v);
    }
    return `  ${JSON.stringify(k)}: ${s}`;
  });
  return '{\n' + lines.join(',\n') + '\n}\n';
}

// ---------------------------------------------------------------------------
await tf.setBackend('cpu');
await tf.ready();
if (tf.getBackend() !== 'cpu') throw new Error('cpu backend not active');
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
