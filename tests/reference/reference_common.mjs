// Shared helpers of the reference-number generators (make_reference.mjs,
// make_training_reference.mjs): PRNG, float32 formatting, the custom tfjs
// layers, the layer-description vocabulary, Keras weight naming, building a
// tfjs model from a layer description, and the JSON layout.
// See README.md for the tfjs traps handled here.

import * as tf from '@tensorflow/tfjs';
import { KERAS_ACTIVATIONS_F64 } from './training_common.mjs';

export { tf };
export const ENGINE = `@tensorflow/tfjs ${tf.version.tfjs} (cpu backend)`;

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
export const f32 = Math.fround;

// Shortest decimal that parses back (to float32) to exactly x.
export function fmt(x) {
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
export class SliceLast extends tf.layers.Layer {
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

export class ZeroPadding1D extends tf.layers.Layer {
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
// Activations tfjs lacks or defines differently (Keras 3's definitions), as
// registered tfjs activation classes: a layer given the class name as its
// activation identifier deserialises it like a built-in one.
// ---------------------------------------------------------------------------
class KerasActivation extends tf.serialization.Serializable {
  getConfig() {
    return {};
  }
}
// Keras 3 hard_sigmoid: relu6(x + 3) / 6 (tfjs's 'hardSigmoid' is Keras 2's clip(0.2x + 0.5, 0, 1)).
export class HardSigmoidKeras3 extends KerasActivation {
  static className = 'HardSigmoidKeras3';
  apply(x) {
    return tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6));
  }
}
tf.serialization.registerClass(HardSigmoidKeras3);
// Keras 3 leaky_relu: negative_slope 0.2.
export class LeakyReluKeras3 extends KerasActivation {
  static className = 'LeakyReluKeras3';
  apply(x) {
    return tf.leakyRelu(x, 0.2);
  }
}
tf.serialization.registerClass(LeakyReluKeras3);
// Keras exponential: exp(x).
export class ExponentialKeras extends KerasActivation {
  static className = 'ExponentialKeras';
  apply(x) {
    return tf.exp(x);
  }
}
tf.serialization.registerClass(ExponentialKeras);

// Activation names of the layer vocabulary (Keras 3's names; hard_sigmoid_keras2
// is Keras 2's hard_sigmoid) -> tfjs activation identifiers.
const TFJS_ACTIVATION = {
  linear: 'linear',
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  elu: 'elu', // alpha 1: x > 0 ? x : exp(x) - 1
  selu: 'selu', // Keras's constants
  gelu: 'gelu', // erf form (Keras's default approximate=False)
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish', // x * sigmoid(x)
  hard_sigmoid: 'HardSigmoidKeras3',
  hard_sigmoid_keras2: 'hardSigmoid', // tfjs's hardSigmoid is Keras 2's formula
  leaky_relu: 'LeakyReluKeras3',
  exponential: 'ExponentialKeras',
};
export function tfjsActivation(name) {
  const id = TFJS_ACTIVATION[name];
  if (!id) throw new Error(`unknown activation ${name}`);
  return id;
}
// The activation object tfjs uses for a name (through an Activation layer, the
// way every tfjs layer resolves an identifier).
const activationCache = new Map();
export function activationFn(name) {
  if (!activationCache.has(name)) activationCache.set(name, tf.layers.activation({ activation: tfjsActivation(name) }).activation);
  return activationCache.get(name);
}

// Every element-wise activation of tfjs (as the layers resolve it) against the float64 formulas on [-6, 6]
// (step 1/64): throws beyond 2e-6 · max(1, |y|); returns the largest |diff| / max(1, |y|).
export function checkActivations() {
  const xs = Float32Array.from({ length: 769 }, (_, i) => -6 + i / 64);
  let worst = 0;
  for (const [name, f] of Object.entries(KERAS_ACTIVATIONS_F64)) {
    const t = tf.tensor(xs);
    const y = activationFn(name).apply(t);
    const got = y.dataSync();
    tf.dispose([t, y]);
    xs.forEach((x, i) => {
      const want = f(x);
      const d = Math.abs(got[i] - want) / Math.max(1, Math.abs(want));
      worst = Math.max(worst, d);
      if (!(d <= 2e-6)) throw new Error(`tfjs ${name}(${x}) = ${got[i]}, Keras's formula gives ${want}`);
    });
  }
  return worst;
}

// ---------------------------------------------------------------------------
// GRU with reset_after = true (Keras 3's default; tfjs implements only
// reset_after = false). A tfjs RNN cell with Keras 3's GRUCell equations, used
// inside tf.layers.rnn so that masking, goBackwards, returnSequences,
// returnState and Bidirectional go through tfjs's RNN machinery:
//   x_z, x_r, x_h = split(x · kernel + bias[0])
//   h_z, h_r, h_h = split(h · recurrent_kernel + bias[1])
//   z = ra(x_z + h_z); r = ra(x_r + h_r); hh = a(x_h + r ⊙ h_h)
//   h' = z ⊙ h + (1 - z) ⊙ hh
// Weights kernel (in, 3u), recurrent_kernel (u, 3u), bias (2, 3u).
// ---------------------------------------------------------------------------
const RNNCellBase = Object.getPrototypeOf(tf.layers.gruCell({ units: 1 }).constructor);
export class GRUCellResetAfter extends RNNCellBase {
  static className = 'GRUCellResetAfter';
  constructor(config) {
    super(config);
    this.units = config.units;
    this.activationName = config.activation;
    this.recurrentActivationName = config.recurrentActivation;
    this.useBias = config.useBias;
    this.activation = activationFn(config.activation);
    this.recurrentActivation = activationFn(config.recurrentActivation);
    this.stateSize = this.units;
  }
  build(inputShape) {
    const shape = Array.isArray(inputShape[0]) ? inputShape[0] : inputShape;
    const inDim = shape[shape.length - 1];
    const u = this.units;
    const zeros = tf.initializers.zeros();
    this.kernel = this.addWeight('kernel', [inDim, 3 * u], 'float32', zeros);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 3 * u], 'float32', zeros);
    this.bias = this.useBias ? this.addWeight('bias', [2, 3 * u], 'float32', zeros) : null;
    this.built = true;
  }
  call(inputs) {
    return tf.tidy(() => {
      const [x, h] = inputs;
      let mx = tf.matMul(x, this.kernel.read());
      let mh = tf.matMul(h, this.recurrentKernel.read());
      if (this.bias) {
        const [bi, br] = tf.split(this.bias.read(), 2, 0);
        mx = tf.add(mx, tf.reshape(bi, [-1]));
        mh = tf.add(mh, tf.reshape(br, [-1]));
      }
      const [xz, xr, xh] = tf.split(mx, 3, -1);
      const [hz, hr, hh] = tf.split(mh, 3, -1);
      const z = this.recurrentActivation.apply(tf.add(xz, hz));
      const r = this.recurrentActivation.apply(tf.add(xr, hr));
      const cand = this.activation.apply(tf.add(xh, tf.mul(r, hh)));
      const hNew = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), cand));
      return [hNew, hNew];
    });
  }
  getConfig() {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activationName,
      recurrentActivation: this.recurrentActivationName,
      useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(GRUCellResetAfter);
// The layer, as tfjs's GRU wraps its cell: its config is the cell's config plus
// the RNN options (a plain tf.layers.rnn config holds the cell object, which
// Bidirectional's config cloning cannot reuse for its second copy).
export class GRUResetAfter extends tf.RNN {
  static className = 'GRUResetAfter';
  constructor(config) {
    super({ ...config, cell: new GRUCellResetAfter(config) });
  }
  static fromConfig(cls, config) {
    return new cls(config);
  }
}
tf.serialization.registerClass(GRUResetAfter);

// ---------------------------------------------------------------------------
// Layer-description helpers (the vocabulary the C# side uses; all fields explicit)
// ---------------------------------------------------------------------------
export const input = (shape) => ({ type: 'input', shape });
export const dense = (units, activation = 'linear', useBias = true) => ({ type: 'dense', units, activation, useBias });
export const embedding = (inputDim, outputDim, maskZero = false) => ({ type: 'embedding', inputDim, outputDim, maskZero });
export const lstm = (units, o = {}) => ({
  type: 'lstm',
  units,
  returnSequences: o.returnSequences ?? false,
  returnState: o.returnState ?? false,
  goBackwards: o.goBackwards ?? false,
  activation: o.activation ?? 'tanh',
  recurrentActivation: o.recurrentActivation ?? 'sigmoid',
  useBias: o.useBias ?? true,
});
export const gru = (units, o = {}) => ({
  type: 'gru',
  units,
  returnSequences: o.returnSequences ?? false,
  returnState: o.returnState ?? false,
  goBackwards: o.goBackwards ?? false,
  activation: o.activation ?? 'tanh',
  recurrentActivation: o.recurrentActivation ?? 'sigmoid',
  useBias: o.useBias ?? true,
  resetAfter: o.resetAfter ?? true,
});
export const simpleRnn = (units, o = {}) => ({
  type: 'simpleRnn',
  units,
  returnSequences: o.returnSequences ?? false,
  returnState: o.returnState ?? false,
  goBackwards: o.goBackwards ?? false,
  activation: o.activation ?? 'tanh',
  useBias: o.useBias ?? true,
});
export const activation = (name) => ({ type: 'activation', activation: name });
export const dropout = (rate) => ({ type: 'dropout', rate });
export const spatialDropout1d = (rate) => ({ type: 'spatialDropout1d', rate });
export const bidirectional = (mergeMode, layer) => ({ type: 'bidirectional', mergeMode, layer });
export const timeDistributed = (layer) => ({ type: 'timeDistributed', layer });
export const repeatVector = (n) => ({ type: 'repeatVector', n });
export const sliceLast = (n) => ({ type: 'sliceLast', n });
export const zeroPadding1d = (left, right) => ({ type: 'zeroPadding1d', left, right });
export const seq = { returnSequences: true };

// ---------------------------------------------------------------------------
// Keras naming: per-class counters in model order; a wrapped layer is
// constructed first and consumes its own counter.
// ---------------------------------------------------------------------------
export const KERAS_BASE = {
  dense: 'dense',
  lstm: 'lstm',
  embedding: 'embedding',
  bidirectional: 'bidirectional',
  timeDistributed: 'time_distributed',
  repeatVector: 'repeat_vector',
  sliceLast: 'lambda',
  zeroPadding1d: 'zero_padding1d',
  gru: 'gru',
  simpleRnn: 'simple_rnn',
  activation: 'activation',
  dropout: 'dropout',
  spatialDropout1d: 'spatial_dropout1d',
};
export const RNN_TYPES = new Set(['lstm', 'gru', 'simpleRnn']);
export function makeNamer() {
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
export function lstmLayer(d, name) {
  return tf.layers.lstm({
    name,
    units: d.units,
    returnSequences: d.returnSequences,
    returnState: d.returnState,
    goBackwards: d.goBackwards,
    activation: tfjsActivation(d.activation),
    // Trap: tfjs defaults recurrentActivation to 'hardSigmoid'; always explicit.
    recurrentActivation: tfjsActivation(d.recurrentActivation),
    useBias: d.useBias,
    // Weights are overwritten below; zeros avoids the slow orthogonal init.
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
    biasInitializer: 'zeros',
  });
}
export function denseLayer(d, name) {
  return tf.layers.dense({ name, units: d.units, activation: tfjsActivation(d.activation), useBias: d.useBias });
}
// GRU (reset_after = false: tfjs's GRU, which is Keras's formula with the
// reset gate before the recurrent product; reset_after = true: the custom
// cell above in tf.layers.rnn) and SimpleRNN.
export function gruLayer(d, name) {
  const common = { name, returnSequences: d.returnSequences, returnState: d.returnState, goBackwards: d.goBackwards };
  if (d.resetAfter) {
    return new GRUResetAfter({ ...common, units: d.units, activation: d.activation, recurrentActivation: d.recurrentActivation, useBias: d.useBias });
  }
  return tf.layers.gru({
    ...common,
    units: d.units,
    activation: tfjsActivation(d.activation),
    recurrentActivation: tfjsActivation(d.recurrentActivation), // tfjs defaults to hardSigmoid: always explicit
    useBias: d.useBias,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
    biasInitializer: 'zeros',
  });
}
export function simpleRnnLayer(d, name) {
  return tf.layers.simpleRNN({
    name,
    units: d.units,
    returnSequences: d.returnSequences,
    returnState: d.returnState,
    goBackwards: d.goBackwards,
    activation: tfjsActivation(d.activation),
    useBias: d.useBias,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
    biasInitializer: 'zeros',
  });
}
const RNN_BUILDERS = { lstm: lstmLayer, gru: gruLayer, simpleRnn: simpleRnnLayer };
export function rnnRoles(name, d) {
  switch (d.type) {
    case 'lstm':
      return lstmRoles(name, d);
    case 'gru':
      return gruRoles(name, d);
    case 'simpleRnn':
      return simpleRnnRoles(name, d);
    default:
      throw new Error(`not a recurrent layer: ${d.type}`);
  }
}

// Returns { layer, kerasName, weightSpecs(inDim) } where weightSpecs lists
// { name, shape, get(layer) } in Keras order.
export function buildLayer(d, nameOf) {
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
    case 'lstm':
    case 'gru':
    case 'simpleRnn': {
      const name = nameOf(d.type);
      return { layer: RNN_BUILDERS[d.type](d, name), roles: rnnRoles(name, d) };
    }
    case 'bidirectional': {
      if (!RNN_TYPES.has(d.layer.type)) throw new Error('bidirectional supports lstm, gru and simpleRnn only');
      if (d.layer.returnState) throw new Error('bidirectional returnState not supported here');
      const innerName = nameOf(d.layer.type); // inner layer constructed first
      const name = nameOf('bidirectional');
      const inner = RNN_BUILDERS[d.layer.type](d.layer, innerName);
      const layer = tf.layers.bidirectional({ name, layer: inner, mergeMode: d.mergeMode });
      const fw = rnnRoles(`${name}/forward_${innerName}`, d.layer);
      const bw = rnnRoles(`${name}/backward_${innerName}`, d.layer);
      return { layer, roles: (inDim) => [...fw(inDim), ...bw(inDim)] };
    }
    case 'activation': {
      const name = nameOf('activation');
      return { layer: tf.layers.activation({ name, activation: tfjsActivation(d.activation) }), roles: () => [] };
    }
    case 'dropout': {
      const name = nameOf('dropout');
      return { layer: tf.layers.dropout({ name, rate: d.rate }), roles: () => [] };
    }
    case 'spatialDropout1d': {
      const name = nameOf('spatialDropout1d');
      return { layer: tf.layers.spatialDropout1d({ name, rate: d.rate }), roles: () => [] };
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
export function denseRoles(name, d) {
  return (inDim) => {
    const r = [{ name: `${name}/kernel`, shape: [inDim, d.units] }];
    if (d.useBias) r.push({ name: `${name}/bias`, shape: [d.units] });
    return r;
  };
}
export function gruRoles(name, d) {
  const u = d.units;
  return (inDim) => {
    const r = [
      { name: `${name}/kernel`, shape: [inDim, 3 * u] },
      { name: `${name}/recurrent_kernel`, shape: [u, 3 * u] },
    ];
    if (d.useBias) r.push({ name: `${name}/bias`, shape: d.resetAfter ? [2, 3 * u] : [3 * u] });
    return r;
  };
}
export function simpleRnnRoles(name, d) {
  const u = d.units;
  return (inDim) => {
    const r = [
      { name: `${name}/kernel`, shape: [inDim, u] },
      { name: `${name}/recurrent_kernel`, shape: [u, u] },
    ];
    if (d.useBias) r.push({ name: `${name}/bias`, shape: [u] });
    return r;
  };
}
export function lstmRoles(name, d) {
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
export function checkNoStaleMask(c) {
  let state = 'none'; // none | live | dropped
  for (const d of c.layers) {
    const rnn = RNN_TYPES.has(d.type) || d.type === 'bidirectional';
    if (rnn && state === 'dropped') {
      throw new Error(`${c.name}: RNN after a mask was dropped; tfjs would reuse the stale mask (not Keras semantics)`);
    }
    if (d.type === 'embedding') state = d.maskZero ? 'live' : state;
    else if (state === 'live') {
      const keeps =
        d.type === 'dense' || d.type === 'timeDistributed' ||
        d.type === 'activation' || d.type === 'dropout' || d.type === 'spatialDropout1d' ||
        (RNN_TYPES.has(d.type) && d.returnSequences) ||
        (d.type === 'bidirectional' && d.layer.returnSequences);
      if (!keeps) state = 'dropped';
    }
  }
}

export const prod = (a) => a.reduce((x, y) => x * y, 1);
export const sameShape = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// ---------------------------------------------------------------------------
// Model from a layer description (functional API for everything: returnState
// models cannot be Sequential). Returns the model, the built layers with their
// Keras weight specs (name, shape) in model order, the Keras layer names, and
// whether the last layer returned states ([output, h, c] or [output, h]).
// ---------------------------------------------------------------------------
export function buildModel(layers, inputIsTokens, caseName = '?') {
  const [inDesc, ...rest] = layers;
  if (inDesc.type !== 'input') throw new Error('first layer must be input');
  checkNoStaleMask({ name: caseName, layers });
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
      // returnState: [output, h, c] (LSTM) or [output, h] (GRU, SimpleRNN). Must be the last layer of the model.
      if (d !== rest[rest.length - 1]) throw new Error('returnState layer must be last');
      extraOutputs = y.slice(1);
      y = y[0];
    }
    built.push({ desc: d, layer: b.layer, specs: b.roles(inDim), name: b.layer.name });
    h = y;
  }
  const model = tf.model({ inputs: x, outputs: extraOutputs ? [h, ...extraOutputs] : h });
  return { model, built, hasStates: extraOutputs != null };
}

// Compact-but-readable JSON: one top-level key per line, one layer / weight per line.
export function toJson(r) {
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

