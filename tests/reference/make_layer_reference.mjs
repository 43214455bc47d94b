// Reference numbers for the convolution, pooling, reshaping, normalisation and masking layers (issue 11), from
// TensorFlow.js 4.22 layers (cpu backend):
//
//   cd tests/reference && npm ci && node make_layer_reference.mjs      (or: node make_layer_reference.mjs <case> ...)
//
// Writes ../LstmGen.Tests/Reference/Layers/<case>.json, one self-contained file per case: the layers, Keras weight
// names and seeded weights (moving statistics included), a batch of 4 inputs, the inference output (model.predict:
// BatchNormalization with its moving statistics), then for the Keras MSE loss on seeded targets the training-mode
// output (BatchNormalization with the batch statistics), the loss, the gradients of the trainable weights and of the
// input (tf.variableGrads through model.apply(x, {training: true})), the moving statistics after that training forward
// pass (momentum 0.99), and the weights after one Keras 3 Adam step with the defaults (written out in float32 by
// makeOptimizer of training_common.mjs; the moving statistics as moved by the forward pass of the same step).
//
// Semantics checked against Keras 3 here (each case is checked at generation by float64 hand computations of the
// layers where tfjs could plausibly differ, see checkCase):
//   - Conv1D valid/same/causal, strides, dilation: tfjs conv1d (TF's SAME padding: total = max((ceil(L/s)-1)s +
//     (k-1)d + 1 - L, 0), left = floor(total/2); causal: (k-1)d zeros on the left). Checked by hand below.
//     tfjs has no causal padding: CausalConv1D below pads on the left and convolves with "valid", as Keras 3 does;
//     tfjs has no gradient for dilation > 1: TapConv1D below computes those cases from ordinary ops (checked by hand).
//   - MaxPooling1D / AveragePooling1D: tfjs pool (SAME: padding ignored by max, excluded from the average's count, as
//     TF). Checked by hand below.
//     tfjs's average pooling gradient is wrong for partial SAME windows (it divides by the full pool size): the SAME
//     average pooling cases use SamePaddingAveragePooling1D below (its forward pass is checked by hand as tfjs's).
//   - BatchNormalization: inference (x - moving_mean) / sqrt(moving_variance + eps) * gamma + beta; training: batch
//     mean and biased variance over every axis but the last, and moving = moving * momentum + batch * (1 - momentum)
//     (tfjs writes moving - (moving - batch) * (1 - momentum), the same to rounding). Checked by hand below. Keras 3
//     computes the batch statistics over the unmasked steps only where a mask flows; tfjs ignores masks there, so no
//     case puts BatchNormalization behind a mask.
//   - LayerNormalization: (x - mean) / sqrt(var + eps) * gamma + beta over the last axis, eps 1e-3.
//   - Masking: output = x * any(x != mask_value, -1); the mask goes to the recurrent layer (masked steps keep the state
//     and repeat the previous output), as Keras 3.
//   - GlobalAveragePooling1D with a mask: tfjs's layer ignores the mask (it takes tf.mean over all steps); Keras 3
//     averages over the unmasked steps. The masked case therefore uses MaskedGlobalAveragePooling1D below, a tfjs layer
//     written from Keras 3's GlobalAveragePooling1D.call (sum(x * mask, 1) / sum(mask, 1)); the unmasked cases use
//     tfjs's own layer.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, ENGINE, mulberry32, fnv1a, f32, fmt, toJson, tfjsActivation, GRUResetAfter } from './reference_common.mjs';
import { OPTIMIZERS, makeOptimizer, optimizerFormula } from './training_common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.resolve(HERE, '../LstmGen.Tests/Reference/Layers');
const BATCH = 4;

// ---------------------------------------------------------------------------
// Keras 3's GlobalAveragePooling1D with a mask (tfjs's ignores it).
// ---------------------------------------------------------------------------
class MaskedGlobalAveragePooling1D extends tf.layers.Layer {
  static className = 'MaskedGlobalAveragePooling1D';
  constructor(config) {
    super(config);
    this.supportsMasking = true;
  }
  computeOutputShape(s) {
    return [s[0], s[2]];
  }
  computeMask() {
    return null;
  }
  call(inputs, kwargs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (kwargs.mask == null) throw new Error('MaskedGlobalAveragePooling1D without a mask');
      const m = tf.expandDims(tf.cast(kwargs.mask, 'float32'), 2);
      return tf.div(tf.sum(tf.mul(x, m), 1), tf.sum(m, 1));
    });
  }
}
tf.serialization.registerClass(MaskedGlobalAveragePooling1D);

// ---------------------------------------------------------------------------
// Conv1D with padding "causal": tfjs's conv1d refuses it ("not implemented yet"). Keras 3's Conv1D.call pads the input
// with dilation_rate * (kernel_size - 1) zeros on the left (ops.pad, _compute_causal_padding) and then convolves with
// "valid" padding; this subclass of tfjs's Conv1D does exactly that.
// ---------------------------------------------------------------------------
const TfjsConv1D = tf.layers.conv1d({ filters: 1, kernelSize: 1 }).constructor;
class CausalConv1D extends TfjsConv1D {
  static className = 'CausalConv1D';
  constructor(config) {
    super({ ...config, padding: 'valid' });
    this.left = (config.dilationRate ?? 1) * (config.kernelSize - 1);
  }
  computeOutputShape(s) {
    return super.computeOutputShape([s[0], s[1] == null ? null : s[1] + this.left, s[2]]);
  }
  call(inputs, kwargs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return super.call(tf.pad(x, [[0, 0], [this.left, 0], [0, 0]]), kwargs);
    });
  }
}
tf.serialization.registerClass(CausalConv1D);

// Conv1D with dilation_rate > 1: tfjs's conv2D has no gradient for dilations above 1 ("not yet supported in
// gradients"). This layer computes the same convolution as a sum over the kernel taps, each an ordinary matMul of a
// gather of the padded input's steps, so that tfjs's autodiff covers it: y[b, o] = bias + sum_j x_pad[b, o*s + j*d] ·
// kernel[j], with x_pad padded as Keras 3 pads (valid: none; causal: d(k-1) zeros on the left; same: TF's rule).
// The float64 hand check (conv1dF64) compares its outputs with the formula.
class TapConv1D extends tf.layers.Layer {
  static className = 'TapConv1D';
  constructor(config) {
    super(config);
    Object.assign(this, { filters: config.filters, kernelSize: config.kernelSize, strides: config.strides, padding: config.padding, dilationRate: config.dilationRate, useBias: config.useBias, activationName: config.activation });
    this.activationFn = tf.layers.activation({ activation: config.activation }).activation;
  }
  pads(steps) {
    const span = (this.kernelSize - 1) * this.dilationRate + 1;
    if (this.padding === 'valid') return [0, 0];
    if (this.padding === 'causal') return [span - 1, 0];
    const out = Math.ceil(steps / this.strides);
    const total = Math.max((out - 1) * this.strides + span - steps, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  outLength(steps) {
    const [l, r] = this.pads(steps);
    const span = (this.kernelSize - 1) * this.dilationRate + 1;
    return Math.floor((steps + l + r - span) / this.strides) + 1;
  }
  build(s) {
    const zerosInit = tf.initializers.zeros();
    this.kernel = this.addWeight('kernel', [this.kernelSize, s[2], this.filters], 'float32', zerosInit);
    this.bias = this.useBias ? this.addWeight('bias', [this.filters], 'float32', zerosInit) : null;
    this.built = true;
  }
  computeOutputShape(s) {
    return [s[0], this.outLength(s[1]), this.filters];
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [b, steps, cin] = x.shape;
      const xp = tf.pad(x, [[0, 0], this.pads(steps), [0, 0]]);
      const out = this.outLength(steps);
      const k = this.kernel.read();
      let y = null;
      for (let j = 0; j < this.kernelSize; j++) {
        const start = j * this.dilationRate;
        const xs = tf.gather(xp, tf.tensor1d(Array.from({ length: out }, (_, o) => start + o * this.strides), 'int32'), 1);
        const kj = tf.reshape(tf.slice(k, [j, 0, 0], [1, cin, this.filters]), [cin, this.filters]);
        const t = tf.reshape(tf.matMul(tf.reshape(xs, [b * out, cin]), kj), [b, out, this.filters]);
        y = y ? tf.add(y, t) : t;
      }
      if (this.bias) y = tf.add(y, this.bias.read());
      return this.activationFn.apply(y);
    });
  }
  getConfig() {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate, useBias: this.useBias, activation: this.activationName };
  }
}
tf.serialization.registerClass(TapConv1D);

// AveragePooling1D with padding "same": tfjs's forward pass divides each window's sum by its number of steps inside the
// input (as TF and Keras 3), but its gradient (tfjs-backend-cpu AvgPoolGrad: avgMultiplier = 1 / (filterHeight *
// filterWidth)) divides by the full pool size, so its gradients of the partial windows at the edges are wrong. This layer
// computes the same average from ordinary ops (a gather per pool tap, masked to the steps inside the input, divided by
// their count) so that tfjs's autodiff gives the gradient of that function. Valid padding uses tfjs's own layer.
class SamePaddingAveragePooling1D extends tf.layers.Layer {
  static className = 'SamePaddingAveragePooling1D';
  constructor(config) {
    super(config);
    Object.assign(this, { poolSize: config.poolSize, strides: config.strides });
  }
  outLength(steps) {
    return Math.ceil(steps / this.strides);
  }
  computeOutputShape(s) {
    return [s[0], this.outLength(s[1]), s[2]];
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const steps = x.shape[1];
      const out = this.outLength(steps);
      const left = Math.floor(Math.max((out - 1) * this.strides + this.poolSize - steps, 0) / 2);
      const count = new Float32Array(out);
      let sum = null;
      for (let j = 0; j < this.poolSize; j++) {
        const idx = [], inside = [];
        for (let o = 0; o < out; o++) {
          const t = o * this.strides + j - left;
          const ok = t >= 0 && t < steps;
          idx.push(ok ? t : 0);
          inside.push(ok ? 1 : 0);
          count[o] += ok ? 1 : 0;
        }
        const term = tf.mul(tf.gather(x, tf.tensor1d(idx, 'int32'), 1), tf.tensor(inside, [1, out, 1]));
        sum = sum ? tf.add(sum, term) : term;
      }
      return tf.div(sum, tf.tensor(count, [1, out, 1]));
    });
  }
  getConfig() {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides };
  }
}
tf.serialization.registerClass(SamePaddingAveragePooling1D);

// Masking: tfjs's layer computes output = x * cast(any(x != v, -1)) as Keras 3 does, but tfjs has no gradient for
// `any` (TF's is None: the mask is constant for autodiff). This subclass computes the same mask from the input's values
// outside the tape, so the input gradient is x's gradient times the mask, as in Keras.
const TfjsMasking = tf.layers.masking({ maskValue: 0 }).constructor;
class KerasMasking extends TfjsMasking {
  static className = 'KerasMasking';
  stepMask(x) {
    const [b, t, f] = x.shape;
    const v = x.dataSync();
    const m = new Float32Array(b * t);
    for (let i = 0; i < b * t; i++) for (let j = 0; j < f; j++) if (v[i * f + j] !== Math.fround(this.maskValue)) m[i] = 1;
    return tf.tensor(m, [b, t]);
  }
  computeMask(inputs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.cast(this.stepMask(x), 'bool'));
  }
  call(inputs) {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.mul(x, tf.expandDims(this.stepMask(x), 2));
    });
  }
}
tf.serialization.registerClass(KerasMasking);

// ---------------------------------------------------------------------------
// Cases. Layer descriptions: { type, ...Keras arguments }; the C# declarations are in ReferenceModelsLayers.cs.
// mask: [sample, step] pairs whose features are all set to the masking value.
// ---------------------------------------------------------------------------
const L = {
  conv1d: (filters, kernelSize, o = {}) => ({ type: 'conv1d', filters, kernelSize, strides: o.strides ?? 1, padding: o.padding ?? 'valid', dilationRate: o.dilationRate ?? 1, activation: o.activation ?? 'linear', useBias: o.useBias ?? true }),
  maxPool: (poolSize, o = {}) => ({ type: 'maxPooling1d', poolSize, strides: o.strides ?? poolSize, padding: o.padding ?? 'valid' }),
  avgPool: (poolSize, o = {}) => ({ type: 'averagePooling1d', poolSize, strides: o.strides ?? poolSize, padding: o.padding ?? 'valid' }),
  globalMax: () => ({ type: 'globalMaxPooling1d' }),
  globalAvg: () => ({ type: 'globalAveragePooling1d' }),
  flatten: () => ({ type: 'flatten' }),
  reshape: (...targetShape) => ({ type: 'reshape', targetShape }),
  batchNorm: () => ({ type: 'batchNormalization', momentum: 0.99, epsilon: 1e-3 }),
  layerNorm: () => ({ type: 'layerNormalization', epsilon: 1e-3 }),
  masking: (maskValue) => ({ type: 'masking', maskValue }),
  dense: (units, activation = 'linear') => ({ type: 'dense', units, activation }),
  lstm: (units, returnSequences = false) => ({ type: 'lstm', units, returnSequences }),
  gru: (units, returnSequences = false, resetAfter = true) => ({ type: 'gru', units, returnSequences, resetAfter }),
  simpleRnn: (units, returnSequences = false) => ({ type: 'simpleRnn', units, returnSequences }),
};

const CASES = [
  { name: 'conv1d_valid_tanh', inputShape: [9, 3], layers: [L.conv1d(4, 3, { activation: 'tanh' }), L.flatten(), L.dense(2)] },
  { name: 'conv1d_same_strided', inputShape: [11, 3], layers: [L.conv1d(4, 3, { strides: 2, padding: 'same' }), L.flatten(), L.dense(1)] },
  { name: 'conv1d_same_even_strided', inputShape: [10, 2], layers: [L.conv1d(3, 4, { strides: 2, padding: 'same', activation: 'relu' }), L.lstm(3), L.dense(1)] },
  { name: 'conv1d_causal_dilated_no_bias', inputShape: [9, 2], layers: [L.conv1d(4, 3, { padding: 'causal', dilationRate: 2, useBias: false }), L.globalMax(), L.dense(1)] },
  { name: 'conv1d_same_dilated', inputShape: [8, 3], layers: [L.conv1d(3, 2, { padding: 'same', dilationRate: 2, activation: 'sigmoid' }), L.globalAvg(), L.dense(2)] },
  { name: 'conv1d_valid_strided_no_bias', inputShape: [12, 2], layers: [L.conv1d(5, 3, { strides: 3, useBias: false, activation: 'swish' }), L.gru(3), L.dense(1)] },
  { name: 'max_pooling_valid', inputShape: [9, 3], layers: [L.maxPool(3, { strides: 2 }), L.lstm(4), L.dense(1)] },
  { name: 'max_pooling_same', inputShape: [10, 3], layers: [L.conv1d(4, 2), L.maxPool(3, { strides: 2, padding: 'same' }), L.flatten(), L.dense(1)] },
  { name: 'average_pooling_valid', inputShape: [9, 3], layers: [L.avgPool(2), L.gru(4), L.dense(1)] },
  { name: 'average_pooling_same', inputShape: [10, 3], layers: [L.dense(4), L.avgPool(3, { strides: 2, padding: 'same' }), L.flatten(), L.dense(2)] },
  { name: 'average_pooling_same_odd', inputShape: [7, 2], layers: [L.conv1d(3, 2, { padding: 'same' }), L.avgPool(2, { padding: 'same' }), L.simpleRnn(3), L.dense(1)] },
  { name: 'global_max_pooling', inputShape: [6, 3], layers: [L.lstm(5, true), L.globalMax(), L.dense(1)] },
  { name: 'global_average_pooling', inputShape: [6, 3], layers: [L.conv1d(4, 2, { activation: 'relu' }), L.globalAvg(), L.dense(1)] },
  { name: 'global_average_pooling_masked', inputShape: [7, 3], mask: [[0, 6], [0, 5], [1, 3], [2, 0]], maskValue: 0, layers: [L.masking(0), L.lstm(4, true), { type: 'maskedGlobalAveragePooling1d' }, L.dense(1)] },
  { name: 'flatten_reshape', inputShape: [4, 3], layers: [L.reshape(6, 2), L.simpleRnn(3, true), L.flatten(), L.dense(4), L.reshape(2, 2), L.lstm(3), L.dense(1)] },
  { name: 'batch_norm_sequence', inputShape: [6, 3], layers: [L.batchNorm(), L.lstm(4), L.dense(1)] },
  { name: 'batch_norm_vector', inputShape: [5, 3], layers: [L.flatten(), L.dense(6, 'tanh'), L.batchNorm(), L.dense(1)] },
  { name: 'batch_norm_after_conv', inputShape: [8, 2], layers: [L.conv1d(4, 3, { activation: 'tanh' }), L.batchNorm(), L.globalAvg(), L.dense(2)] },
  { name: 'layer_norm_sequence', inputShape: [6, 3], layers: [L.lstm(5, true), L.layerNorm(), L.dense(1)] },
  { name: 'layer_norm_vector', inputShape: [4, 2], layers: [L.flatten(), L.dense(5), L.layerNorm(), L.dense(2)] },
  { name: 'masking_lstm_seq', inputShape: [7, 3], mask: [[0, 6], [0, 5], [1, 3], [2, 0], [2, 1]], maskValue: 0, layers: [L.masking(0), L.lstm(4, true), L.dense(2)] },
  { name: 'masking_lstm_last', inputShape: [7, 3], mask: [[0, 6], [1, 3], [2, 0], [3, 5], [3, 6]], maskValue: -1, layers: [L.masking(-1), L.lstm(4), L.dense(1)] },
  { name: 'masking_gru_seq', inputShape: [7, 3], mask: [[0, 6], [0, 5], [1, 3], [2, 0]], maskValue: 0, layers: [L.masking(0), L.gru(4, true, false), L.dense(1)] },
  { name: 'masking_gru_last', inputShape: [7, 3], mask: [[0, 6], [1, 2], [2, 0], [2, 1]], maskValue: 0.5, layers: [L.masking(0.5), L.gru(4), L.dense(1)] },
  { name: 'cnn_lstm', inputShape: [20, 4], layers: [L.conv1d(8, 3, { activation: 'relu' }), L.maxPool(2), L.lstm(6), L.dense(1)] },
];

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------
const KERAS_BASE = {
  conv1d: 'conv1d', maxPooling1d: 'max_pooling1d', averagePooling1d: 'average_pooling1d', globalMaxPooling1d: 'global_max_pooling1d',
  globalAveragePooling1d: 'global_average_pooling1d', maskedGlobalAveragePooling1d: 'global_average_pooling1d', flatten: 'flatten',
  reshape: 'reshape', batchNormalization: 'batch_normalization', layerNormalization: 'layer_normalization', masking: 'masking',
  dense: 'dense', lstm: 'lstm', gru: 'gru', simpleRnn: 'simple_rnn',
};
const zeros = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' };

function tfjsLayer(d, name) {
  switch (d.type) {
    case 'conv1d':
      if (d.dilationRate > 1) return new TapConv1D({ name, filters: d.filters, kernelSize: d.kernelSize, strides: d.strides, padding: d.padding, dilationRate: d.dilationRate, activation: tfjsActivation(d.activation), useBias: d.useBias });
      if (d.padding === 'causal') return new CausalConv1D({ name, filters: d.filters, kernelSize: d.kernelSize, strides: d.strides, dilationRate: d.dilationRate, activation: tfjsActivation(d.activation), useBias: d.useBias, kernelInitializer: 'zeros', biasInitializer: 'zeros' });
      return tf.layers.conv1d({ name, filters: d.filters, kernelSize: d.kernelSize, strides: d.strides, padding: d.padding, dilationRate: d.dilationRate, activation: tfjsActivation(d.activation), useBias: d.useBias, kernelInitializer: 'zeros', biasInitializer: 'zeros' });
    case 'maxPooling1d':
      return tf.layers.maxPooling1d({ name, poolSize: d.poolSize, strides: d.strides, padding: d.padding });
    case 'averagePooling1d':
      if (d.padding === 'same') return new SamePaddingAveragePooling1D({ name, poolSize: d.poolSize, strides: d.strides });
      return tf.layers.averagePooling1d({ name, poolSize: d.poolSize, strides: d.strides, padding: d.padding });
    case 'globalMaxPooling1d':
      return tf.layers.globalMaxPooling1d({ name });
    case 'globalAveragePooling1d':
      return tf.layers.globalAveragePooling1d({ name });
    case 'maskedGlobalAveragePooling1d':
      return new MaskedGlobalAveragePooling1D({ name });
    case 'flatten':
      return tf.layers.flatten({ name });
    case 'reshape':
      return tf.layers.reshape({ name, targetShape: d.targetShape });
    case 'batchNormalization':
      return tf.layers.batchNormalization({ name, axis: -1, momentum: d.momentum, epsilon: d.epsilon });
    case 'layerNormalization':
      return tf.layers.layerNormalization({ name, axis: -1, epsilon: d.epsilon });
    case 'masking':
      return new KerasMasking({ name, maskValue: d.maskValue });
    case 'dense':
      return tf.layers.dense({ name, units: d.units, activation: tfjsActivation(d.activation), kernelInitializer: 'zeros' });
    case 'lstm':
      return tf.layers.lstm({ name, units: d.units, returnSequences: d.returnSequences, activation: 'tanh', recurrentActivation: 'sigmoid', ...zeros });
    case 'simpleRnn':
      return tf.layers.simpleRNN({ name, units: d.units, returnSequences: d.returnSequences, activation: 'tanh', ...zeros });
    case 'gru':
      if (d.resetAfter) return new GRUResetAfter({ name, units: d.units, returnSequences: d.returnSequences, returnState: false, goBackwards: false, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true });
      return tf.layers.gru({ name, units: d.units, returnSequences: d.returnSequences, activation: 'tanh', recurrentActivation: 'sigmoid', resetAfter: false, ...zeros });
    default:
      throw new Error(`unknown layer ${d.type}`);
  }
}

// Keras 3 weight roles, in Keras's order, per layer type (tfjs's weights are checked against these by shape and name).
const ROLES = {
  conv1d: (d) => (d.useBias ? ['kernel', 'bias'] : ['kernel']),
  dense: () => ['kernel', 'bias'],
  lstm: () => ['kernel', 'recurrent_kernel', 'bias'],
  gru: () => ['kernel', 'recurrent_kernel', 'bias'],
  simpleRnn: () => ['kernel', 'recurrent_kernel', 'bias'],
  batchNormalization: () => ['gamma', 'beta', 'moving_mean', 'moving_variance'],
  layerNormalization: () => ['gamma', 'beta'],
};

function build(c) {
  const counters = {};
  const nameOf = (type) => {
    const base = KERAS_BASE[type];
    const k = counters[base] ?? 0;
    counters[base] = k + 1;
    return k === 0 ? base : `${base}_${k}`;
  };
  const x = tf.input({ shape: c.inputShape, dtype: 'float32', name: 'input' });
  let h = x;
  const layerNames = [];
  const vars = []; // { name, shape, lv, trainable }
  for (const d of c.layers) {
    const name = nameOf(d.type);
    const layer = tfjsLayer(d, name);
    h = layer.apply(h);
    layerNames.push(name);
    const roles = ROLES[d.type] ? ROLES[d.type](d) : [];
    const lvs = layer.weights;
    if (lvs.length !== roles.length) throw new Error(`${c.name}: ${name} has ${lvs.length} weights, expected ${roles.length}`);
    roles.forEach((role, i) => {
      const tfjsName = lvs[i].originalName ?? lvs[i].name;
      if (!tfjsName.endsWith('/' + role)) throw new Error(`${c.name}: tfjs weight ${tfjsName} where ${role} expected`);
      vars.push({ name: `${name}/${role}`, shape: lvs[i].shape, lv: lvs[i], trainable: lvs[i].trainable, role, type: d.type });
    });
  }
  return { model: tf.model({ inputs: x, outputs: h }), vars, layerNames };
}

// Seeded weights: kernels uniform(-0.5, 0.5) (recurrent kernels too), biases and beta uniform(-0.3, 0.3), gamma
// uniform(0.5, 1.5), moving_mean uniform(-0.3, 0.3), moving_variance uniform(0.5, 1.5).
function initialValue(v, rand) {
  const u = (lo, hi) => f32(lo + (hi - lo) * rand());
  const n = v.shape.reduce((a, b) => a * b, 1);
  const gen = { gamma: () => u(0.5, 1.5), moving_variance: () => u(0.5, 1.5), beta: () => u(-0.3, 0.3), bias: () => u(-0.3, 0.3), moving_mean: () => u(-0.3, 0.3) }[v.role] ?? (() => u(-0.5, 0.5));
  return Float32Array.from({ length: n }, gen);
}

function writeVar(v, values) {
  const t = tf.tensor(values, v.shape, 'float32');
  v.lv.write(t);
  t.dispose();
  const got = v.lv.read().dataSync();
  for (let i = 0; i < got.length; i++) if (got[i] !== values[i]) throw new Error(`${v.name}: read-back mismatch`);
}

const mse = (yPred, yTrue) => tf.mean(tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
const arr = (t) => Array.from(t.dataSync()).map(fmt);

// ---------------------------------------------------------------------------
// Float64 hand checks of the layers where tfjs could differ from Keras 3
// ---------------------------------------------------------------------------
// y[b, o, f] of Conv1D (no activation) with TF's padding rules, from x[b, t, c] (nested arrays of float64).
function conv1dF64(x, kernel, bias, d, steps, cin) {
  const { kernelSize: k, strides: s, dilationRate: dil, filters } = d;
  const span = (k - 1) * dil + 1;
  let outLen, left;
  if (d.padding === 'valid') { outLen = Math.floor((steps - span) / s) + 1; left = 0; }
  else if (d.padding === 'causal') { outLen = Math.floor((steps + span - 1 - span) / s) + 1; left = span - 1; }
  else { outLen = Math.ceil(steps / s); left = Math.floor(Math.max((outLen - 1) * s + span - steps, 0) / 2); }
  const y = [];
  for (let b = 0; b < x.length; b++) {
    const yb = [];
    for (let o = 0; o < outLen; o++) {
      const row = [];
      for (let f = 0; f < filters; f++) {
        let acc = bias ? bias[f] : 0;
        for (let j = 0; j < k; j++) {
          const t = o * s + j * dil - left;
          if (t < 0 || t >= steps) continue;
          for (let c = 0; c < cin; c++) acc += x[b][t][c] * kernel[(j * cin + c) * filters + f];
        }
        row.push(acc);
      }
      yb.push(row);
    }
    y.push(yb);
  }
  return y;
}
function poolF64(x, d, max) {
  const steps = x[0].length, feats = x[0][0].length;
  const { poolSize: p, strides: s } = d;
  const outLen = d.padding === 'valid' ? Math.floor((steps - p) / s) + 1 : Math.ceil(steps / s);
  const left = d.padding === 'valid' ? 0 : Math.floor(Math.max((outLen - 1) * s + p - steps, 0) / 2);
  return x.map((xb) => Array.from({ length: outLen }, (_, o) => Array.from({ length: feats }, (_, f) => {
    let acc = max ? -Infinity : 0, n = 0;
    for (let j = 0; j < p; j++) {
      const t = o * s + j - left;
      if (t < 0 || t >= steps) continue; // SAME padding: ignored by max, not counted by the average
      acc = max ? Math.max(acc, xb[t][f]) : acc + xb[t][f];
      n++;
    }
    return max ? acc : acc / n;
  })));
}
const nested = (t) => t.arraySync();
function maxDiff(a, b) {
  const fa = a.flat(Infinity), fb = b.flat(Infinity);
  if (fa.length !== fb.length) throw new Error(`shape mismatch ${fa.length} vs ${fb.length}`);
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]) / Math.max(1, Math.abs(fb[i])));
  return m;
}

// Runs each conv/pool/normalisation layer of the case on its own input (the previous layers' tfjs output) and compares
// it with the float64 formulas; returns the largest relative difference.
function checkCase(c, built, xT, training) {
  let worst = 0;
  let h = xT;
  const toDispose = [];
  for (let i = 0; i < c.layers.length; i++) {
    const d = c.layers[i];
    if (d.type === 'masking') break; // the layers after a mask need it: nothing to check there but the masked average
    const layer = built.model.layers[i + 1];
    const out = layer.apply(h, { training });
    toDispose.push(out);
    const xin = nested(h);
    const w = (role) => {
      const v = built.vars.find((q) => q.name === `${built.layerNames[i]}/${role}`);
      return v ? Array.from(v.lv.read().dataSync()) : null;
    };
    let want = null;
    if (d.type === 'conv1d') {
      want = conv1dF64(xin, w('kernel'), w('bias'), d, h.shape[1], h.shape[2]);
      if (d.activation !== 'linear') {
        const act = { tanh: Math.tanh, relu: (v) => Math.max(v, 0), sigmoid: (v) => 1 / (1 + Math.exp(-v)), swish: (v) => v / (1 + Math.exp(-v)) }[d.activation];
        want = want.map((a) => a.map((r) => r.map(act)));
      }
    } else if (d.type === 'maxPooling1d' || d.type === 'averagePooling1d') {
      want = poolF64(xin, d, d.type === 'maxPooling1d');
    } else if (d.type === 'batchNormalization' || d.type === 'layerNormalization') {
      const flat = h.dataSync();
      const f = h.shape[h.shape.length - 1];
      const rows = flat.length / f;
      const gamma = w('gamma'), beta = w('beta');
      const out64 = new Float64Array(flat.length);
      if (d.type === 'batchNormalization') {
        const mean = new Float64Array(f), vari = new Float64Array(f);
        if (training) {
          for (let r = 0; r < rows; r++) for (let j = 0; j < f; j++) mean[j] += flat[r * f + j] / rows;
          for (let r = 0; r < rows; r++) for (let j = 0; j < f; j++) vari[j] += (flat[r * f + j] - mean[j]) ** 2 / rows; // biased
        } else {
          mean.set(w('moving_mean'));
          vari.set(w('moving_variance'));
        }
        for (let r = 0; r < rows; r++) for (let j = 0; j < f; j++) out64[r * f + j] = ((flat[r * f + j] - mean[j]) / Math.sqrt(vari[j] + d.epsilon)) * gamma[j] + beta[j];
        c._bnStats = c._bnStats ?? { true: [], false: [] };
        c._bnStats[training].push({ mean, vari });
      } else {
        for (let r = 0; r < rows; r++) {
          let m = 0, v = 0;
          for (let j = 0; j < f; j++) m += flat[r * f + j] / f;
          for (let j = 0; j < f; j++) v += (flat[r * f + j] - m) ** 2 / f;
          for (let j = 0; j < f; j++) out64[r * f + j] = ((flat[r * f + j] - m) / Math.sqrt(v + d.epsilon)) * gamma[j] + beta[j];
        }
      }
      want = Array.from(out64);
      const got = Array.from(out.dataSync());
      worst = Math.max(worst, maxDiff(got, want));
      want = null;
    }
    if (want) worst = Math.max(worst, maxDiff(nested(out), want));
    h = out;
  }
  tf.dispose(toDispose);
  return worst;
}

// ---------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------
function makeCase(c) {
  const rand = mulberry32(fnv1a(c.name));
  const built = build(c);
  const { model, vars } = built;
  const initial = vars.map((v) => initialValue(v, rand));
  vars.forEach((v, i) => writeVar(v, initial[i]));
  const [steps, feats] = c.inputShape;
  const inLen = c.inputShape.reduce((a, b) => a * b, 1);
  const input = Float32Array.from({ length: BATCH * inLen }, () => f32(-1 + 2 * rand()));
  for (const [b, t] of c.mask ?? []) for (let j = 0; j < feats; j++) input[(b * steps + t) * feats + j] = f32(c.maskValue);
  const xT = tf.tensor(input, [BATCH, ...c.inputShape]);

  // Inference.
  const yInf = model.predict(xT);
  const output = Array.from(yInf.dataSync());
  const outputShape = yInf.shape.slice(1);
  const target = Float32Array.from({ length: output.length }, () => f32(-1 + 2 * rand()));
  const yTrue = tf.tensor(target, yInf.shape);

  // Hand checks (inference, then training mode; the training-mode check runs BatchNormalization's layer call, which
  // moves the moving statistics: they are restored after).
  const checkInference = checkCase(c, built, xT, false);
  const checkTraining = checkCase(c, built, xT, true);
  vars.forEach((v, i) => writeVar(v, initial[i]));
  if (!(checkInference < 2e-6 && checkTraining < 2e-6)) throw new Error(`${c.name}: tfjs differs from the float64 layer formulas: ${checkInference}, ${checkTraining}`);

  // Training forward pass, loss and gradients (trainable weights and input).
  const trainable = vars.filter((v) => v.trainable);
  const xVar = tf.variable(xT, true, `${c.name}_input`);
  let trainingOutput = null;
  const { value, grads } = tf.variableGrads(() => {
    const y = model.apply(xVar, { training: true });
    trainingOutput = Array.from(y.dataSync());
    return mse(y, yTrue);
  }, [...trainable.map((v) => v.lv.read()), xVar]);
  const lossValue = value.dataSync()[0];
  const gradValues = trainable.map((v) => Array.from(grads[v.lv.read().name].dataSync()));
  const inputGradient = Array.from(grads[xVar.name].dataSync());
  const movedStats = vars.filter((v) => !v.trainable).map((v) => ({ name: v.name, shape: v.shape, values: Array.from(v.lv.read().dataSync()) }));
  // The moving statistics against the float64 update from the hand-computed batch statistics.
  const bn = vars.filter((v) => v.role === 'moving_mean');
  bn.forEach((mv, k) => {
    const stats = c._bnStats[true][k]; // the training-mode pass's batch statistics
    const idx = vars.indexOf(mv);
    const mm = initial[idx], vv = initial[idx + 1];
    const gotM = movedStats.find((s) => s.name === mv.name).values, gotV = movedStats.find((s) => s.name === vars[idx + 1].name).values;
    for (let j = 0; j < mm.length; j++) {
      const wantM = mm[j] * 0.99 + stats.mean[j] * 0.01, wantV = vv[j] * 0.99 + stats.vari[j] * 0.01;
      if (Math.abs(gotM[j] - wantM) > 1e-6 || Math.abs(gotV[j] - wantV) > 1e-6) throw new Error(`${c.name}: moving statistics ${gotM[j]}, ${gotV[j]}; float64 ${wantM}, ${wantV}`);
    }
  });
  // Gradient scale: every tensor's largest |value| at least 1e-3, so that a 1e-5 comparison tests it.
  [...gradValues, inputGradient].forEach((g, i) => {
    const m = Math.max(...g.map(Math.abs));
    if (!(m >= 1e-3)) throw new Error(`${c.name}: gradient ${i < gradValues.length ? trainable[i].name : 'input'} is at most ${m}`);
  });

  // One Keras 3 Adam step (defaults) with these gradients; the moving statistics are those after the forward pass.
  const adam = OPTIMIZERS.find((o) => o.name === 'adam');
  const after = trainable.map((v, i) => Float64Array.from(initial[vars.indexOf(v)]));
  makeOptimizer(adam, after.map((a) => a.length), f32).step(after, gradValues);
  const weightsAfter = vars.map((v) => {
    const values = v.trainable ? Array.from(after[trainable.indexOf(v)]) : movedStats.find((s) => s.name === v.name).values;
    return { name: v.name, shape: v.shape, values: values.map(fmt) };
  });
  tf.dispose([yInf, yTrue, value, ...Object.values(grads), xT]);
  xVar.dispose();

  return {
    name: c.name,
    engine: ENGINE,
    layers: [{ type: 'input', shape: c.inputShape }, ...c.layers],
    layerNames: built.layerNames,
    inputShape: c.inputShape,
    batch: BATCH,
    ...(c.mask ? { maskValue: c.maskValue, maskedSteps: c.mask } : {}),
    input: Array.from(input).map(fmt),
    outputShape,
    output: output.map(fmt),
    weights: vars.map((v, i) => ({ name: v.name, shape: v.shape, trainable: v.trainable, values: Array.from(initial[i]).map(fmt) })),
    loss: { type: 'mse', keras: 'keras.losses.MeanSquaredError()' },
    target: Array.from(target).map(fmt),
    trainingOutput: trainingOutput.map(fmt),
    lossValue: fmt(lossValue),
    gradients: trainable.map((v, i) => ({ name: v.name, shape: v.shape, values: gradValues[i].map(fmt) })),
    inputGradient: inputGradient.map(fmt),
    movingStatisticsAfterTrainingForward: movedStats.map((s) => ({ ...s, values: s.values.map(fmt) })),
    optimizer: { type: 'adam', name: 'adam', config: adam.config, steps: 1, formula: optimizerFormula(adam), weightsAfter },
    handCheck: { maxRelativeDifference: { inference: fmt(f32(checkInference)), training: fmt(f32(checkTraining)) } },
  };
}

fs.mkdirSync(OUT_DIR, { recursive: true });
const only = process.argv.slice(2);
for (const c of CASES) {
  if (only.length && !only.includes(c.name)) continue;
  const r = makeCase(c);
  fs.writeFileSync(path.join(OUT_DIR, `${c.name}.json`), toJson(r));
  console.log(`${c.name}: output ${r.outputShape}, loss ${r.lossValue}, hand check ${r.handCheck.maxRelativeDifference.inference} / ${r.handCheck.maxRelativeDifference.training}`);
}
