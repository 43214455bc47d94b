// Shared helpers of the reference-number generators (make_reference.mjs,
// make_training_reference.mjs): PRNG, float32 formatting, the custom tfjs
// layers, the layer-description vocabulary, Keras weight naming, building a
// tfjs model from a layer description, and the JSON layout.
// See README.md for the tfjs traps handled here.

import * as tf from '@tensorflow/tfjs';

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
};
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
export function denseLayer(d, name) {
  return tf.layers.dense({ name, units: d.units, activation: d.activation, useBias: d.useBias });
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
export function denseRoles(name, d) {
  return (inDim) => {
    const r = [{ name: `${name}/kernel`, shape: [inDim, d.units] }];
    if (d.useBias) r.push({ name: `${name}/bias`, shape: [d.units] });
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

export const prod = (a) => a.reduce((x, y) => x * y, 1);
export const sameShape = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// ---------------------------------------------------------------------------
// Model from a layer description (functional API for everything: returnState
// models cannot be Sequential). Returns the model, the built layers with their
// Keras weight specs (name, shape) in model order, and whether the last layer
// returned states ([output, h, c]).
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
      // returnState: [output, h, c]. Must be the last layer of the model.
      if (d !== rest[rest.length - 1]) throw new Error('returnState layer must be last');
      extraOutputs = y.slice(1);
      y = y[0];
    }
    built.push({ desc: d, layer: b.layer, specs: b.roles(inDim) });
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

