// Shared pieces of the training references: Keras's activations in float64,
// Keras 3 loss definitions (formula strings and float64 hand computations) and
// the Keras 3 optimizer update rules, written out by hand. Pure JS (no tfjs): used by
// make_training_reference.mjs (float32 semantics, Math.fround after every
// operation) and by check_training_fd.mjs (float64).

export const KERAS_EPSILON = 1e-7; // keras.backend.epsilon()

// ---------------------------------------------------------------------------
// Activations: Keras's definitions in float64 (keras/src/activations/
// activations.py; hard_sigmoid_keras2 is Keras 2's hard_sigmoid). Used to check
// tfjs's activations (reference_common.mjs) and by the float64 forward pass of
// check_training_fd.mjs.
// ---------------------------------------------------------------------------
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
function erf64(x) {
  // Maclaurin series (|x| <= 3) or the continued fraction of erfc beyond: float64-exact enough here.
  const ax = Math.abs(x);
  if (ax <= 3) {
    let term = ax, sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}
export const KERAS_ACTIVATIONS_F64 = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
  gelu: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  softsign: (x) => x / (1 + Math.abs(x)),
  swish: (x) => x / (1 + Math.exp(-x)),
  hard_sigmoid: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
  hard_sigmoid_keras2: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
  leaky_relu: (x) => (x > 0 ? x : 0.2 * x),
  exponential: Math.exp,
};

// ---------------------------------------------------------------------------
// Losses (Keras 3, reduction "sum_over_batch_size")
// ---------------------------------------------------------------------------
// Every Keras 3 loss function returns one value per position of y_pred without
// its last axis (per sample, or per sample and time step for sequence
// outputs); the reduction then divides the sum by the number of those values,
// i.e. takes their mean.
export const LOSSES = {
  mse: {
    keras: 'keras.losses.MeanSquaredError()',
    fromLogits: false,
    formula: 'per_position = mean((y_pred - y_true)^2, axis=-1); loss = sum(per_position) / size(per_position)',
  },
  mae: {
    keras: 'keras.losses.MeanAbsoluteError()',
    fromLogits: false,
    formula: 'per_position = mean(|y_pred - y_true|, axis=-1); loss = sum(per_position) / size(per_position)',
  },
  binary_crossentropy: {
    keras: 'keras.losses.BinaryCrossentropy(from_logits=False)',
    fromLogits: false,
    formula:
      'p = clip(y_pred, eps, 1 - eps) with eps = 1e-7 (float32: 1e-7 and 0.99999988); ' +
      'per_position = mean(-(y_true*log(p) + (1 - y_true)*log(1 - p)), axis=-1); loss = sum(per_position) / size(per_position)',
  },
  binary_crossentropy_from_logits: {
    keras: 'keras.losses.BinaryCrossentropy(from_logits=True)',
    fromLogits: true,
    formula:
      'z = y_pred (logits); per_element = max(z, 0) - z*y_true + log(1 + exp(-|z|)) ' +
      '(= -(y_true*log(sigmoid(z)) + (1 - y_true)*log(1 - sigmoid(z))), no clipping); ' +
      'per_position = mean(per_element, axis=-1); loss = sum(per_position) / size(per_position)',
  },
  categorical_crossentropy: {
    keras: 'keras.losses.CategoricalCrossentropy(from_logits=False)',
    fromLogits: false,
    formula:
      'p = y_pred / sum(y_pred, axis=-1, keepdims=True); p = clip(p, eps, 1 - eps) with eps = 1e-7; ' +
      'per_position = -sum(y_true*log(p), axis=-1); loss = sum(per_position) / size(per_position)',
  },
  sparse_categorical_crossentropy: {
    keras: 'keras.losses.SparseCategoricalCrossentropy(from_logits=False)',
    fromLogits: false,
    formula:
      'p = y_pred / sum(y_pred, axis=-1, keepdims=True); p = clip(p, eps, 1 - eps) with eps = 1e-7; ' +
      'per_position = -log(p[..., y_true]) (y_true = integer class index per position, = -sum(one_hot(y_true)*log(p), axis=-1)); ' +
      'loss = sum(per_position) / size(per_position)',
  },
};

// Float64 hand computation of a Keras 3 loss. yPred: flat array (row-major,
// last axis of length k); yTrue: flat array of the same length, or (sparse)
// one class index per position.
export function lossF64(type, yPred, yTrue, k) {
  const nPos = yPred.length / k;
  if (!Number.isInteger(nPos)) throw new Error('bad loss shapes');
  const eps = KERAS_EPSILON;
  const clip = (p) => Math.min(Math.max(p, eps), 1 - eps);
  let total = 0;
  for (let i = 0; i < nPos; i++) {
    let s = 0;
    const o = i * k;
    switch (type) {
      case 'mse':
        for (let j = 0; j < k; j++) s += (yPred[o + j] - yTrue[o + j]) ** 2;
        s /= k;
        break;
      case 'mae':
        for (let j = 0; j < k; j++) s += Math.abs(yPred[o + j] - yTrue[o + j]);
        s /= k;
        break;
      case 'binary_crossentropy':
        for (let j = 0; j < k; j++) {
          const p = clip(yPred[o + j]);
          const y = yTrue[o + j];
          s += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
        }
        s /= k;
        break;
      case 'binary_crossentropy_from_logits':
        for (let j = 0; j < k; j++) {
          const z = yPred[o + j];
          const y = yTrue[o + j];
          s += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
        }
        s /= k;
        break;
      case 'categorical_crossentropy':
      case 'sparse_categorical_crossentropy': {
        let sum = 0;
        for (let j = 0; j < k; j++) sum += yPred[o + j];
        for (let j = 0; j < k; j++) {
          const y = type === 'sparse_categorical_crossentropy' ? (yTrue[i] === j ? 1 : 0) : yTrue[o + j];
          if (y !== 0) s += -y * Math.log(clip(yPred[o + j] / sum));
        }
        break;
      }
      default:
        throw new Error(`unknown loss ${type}`);
    }
    total += s;
  }
  return total / nPos;
}

// ---------------------------------------------------------------------------
// Optimizers (Keras 3), written out by hand
// ---------------------------------------------------------------------------
// Configs: Keras 3 constructor arguments (defaults filled in explicitly).
const ADAM = { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false };
const SGD = { learning_rate: 0.01, momentum: 0.0, nesterov: false };
export const OPTIMIZERS = [
  { name: 'adam', type: 'adam', config: { ...ADAM } },
  { name: 'adam_lr01', type: 'adam', config: { ...ADAM, learning_rate: 0.01 } },
  { name: 'sgd', type: 'sgd', config: { ...SGD } },
  { name: 'sgd_momentum', type: 'sgd', config: { ...SGD, momentum: 0.9 } },
  { name: 'sgd_nesterov', type: 'sgd', config: { ...SGD, momentum: 0.9, nesterov: true } },
  { name: 'rmsprop', type: 'rmsprop', config: { learning_rate: 0.001, rho: 0.9, momentum: 0.0, epsilon: 1e-7, centered: false } },
  { name: 'adamw', type: 'adamw', config: { ...ADAM, weight_decay: 0.004 } },
  { name: 'adam_clipnorm', type: 'adam', config: { ...ADAM, clipnorm: 0.1 } },
  { name: 'adam_global_clipnorm', type: 'adam', config: { ...ADAM, global_clipnorm: 0.1 } },
  { name: 'sgd_clipvalue', type: 'sgd', config: { ...SGD, clipvalue: 0.01 } },
];

export const OPTIMIZER_FORMULAS = {
  adam:
    'Keras 3 Adam, t = 1, 2, 3: lr_t = lr*sqrt(1 - beta_2^t)/(1 - beta_1^t); m += (g - m)*(1 - beta_1); ' +
    'v += (g^2 - v)*(1 - beta_2); w -= (m*lr_t)/(sqrt(v) + epsilon); m, v start at 0',
  adamw:
    'Keras 3 AdamW: first w = w - (w*weight_decay)*lr (every variable, biases included), then the Adam update ' +
    'with the gradient g computed at the weights before the decay',
  sgd:
    'Keras 3 SGD: momentum = 0: w -= g*lr; momentum > 0: m = m*momentum - g*lr (m starts at 0), ' +
    'nesterov = false: w += m, nesterov = true: w += m*momentum - g*lr',
  rmsprop: 'Keras 3 RMSprop (rho, no momentum, not centered): v = rho*v + (1 - rho)*g^2 (v starts at 0); w -= (lr*g)/sqrt(v + epsilon)',
  clipnorm:
    'clipnorm c (per variable, before the update): n = sqrt(sum(g^2)); g = (g*c)/max(n, c) (applied even when n < c)',
  global_clipnorm:
    'global_clipnorm c: n = sqrt(sum over all variables of sum(g^2)); g = g*(c*min(1/n, 1/c))',
  clipvalue: 'clipvalue c: g = clip(g, -c, c) element-wise',
};

// State for one optimizer run over a list of variables (arrays of numbers).
// r: rounding function applied after every arithmetic operation (Math.fround
// for float32 semantics, identity for float64). Sums of squares (clipnorm)
// are accumulated in float64 and rounded once (r) at the end.
export function makeOptimizer(opt, shapes, r) {
  const c = opt.config;
  const zeros = () => shapes.map((n) => new Float64Array(n));
  const state = { t: 0, m: zeros(), v: zeros() };
  const lr = r(c.learning_rate);

  function clip(grads) {
    if (c.clipnorm) {
      const cn = r(c.clipnorm);
      return grads.map((g) => {
        let s = 0;
        for (const x of g) s += r(x * x);
        const l2sum = r(s);
        const l2norm = l2sum > 0 ? r(Math.sqrt(l2sum)) : l2sum;
        const den = Math.max(l2norm, cn);
        return g.map((x) => r(r(x * cn) / den));
      });
    }
    if (c.global_clipnorm) {
      const cn = r(c.global_clipnorm);
      let total = 0;
      for (const g of grads) {
        let s = 0;
        for (const x of g) s += r(x * x);
        total += r(s); // per-variable sum(square(g)), then the sum of those
      }
      const useNorm = r(Math.sqrt(r(total)));
      const scale = r(cn * Math.min(r(1 / useNorm), r(1 / c.global_clipnorm)));
      return grads.map((g) => g.map((x) => r(x * scale)));
    }
    if (c.clipvalue) {
      const cv = r(c.clipvalue);
      return grads.map((g) => g.map((x) => Math.min(Math.max(x, -cv), cv)));
    }
    return grads;
  }

  // Updates weights (array of Float64Array/Float32Array, in place).
  function step(weights, gradsIn) {
    state.t += 1;
    const t = state.t;
    const grads = clip(gradsIn.map((g) => Array.from(g)));
    if (opt.type === 'adamw') {
      const wd = r(c.weight_decay);
      for (const w of weights) for (let i = 0; i < w.length; i++) w[i] = r(w[i] - r(r(w[i] * wd) * lr));
    }
    if (opt.type === 'adam' || opt.type === 'adamw') {
      const b1 = r(c.beta_1);
      const b2 = r(c.beta_2);
      const b1p = r(Math.pow(b1, t));
      const b2p = r(Math.pow(b2, t));
      const alpha = r(r(lr * r(Math.sqrt(r(1 - b2p)))) / r(1 - b1p));
      const omb1 = r(1 - c.beta_1); // Python float 1 - beta_1, cast to the variable dtype
      const omb2 = r(1 - c.beta_2);
      const eps = r(c.epsilon);
      weights.forEach((w, k) => {
        const m = state.m[k];
        const v = state.v[k];
        const g = grads[k];
        for (let i = 0; i < w.length; i++) {
          m[i] = r(m[i] + r(r(g[i] - m[i]) * omb1));
          v[i] = r(v[i] + r(r(r(g[i] * g[i]) - v[i]) * omb2));
          w[i] = r(w[i] - r(r(m[i] * alpha) / r(r(Math.sqrt(v[i])) + eps)));
        }
      });
    } else if (opt.type === 'sgd') {
      const mom = r(c.momentum);
      weights.forEach((w, k) => {
        const m = state.m[k];
        const g = grads[k];
        for (let i = 0; i < w.length; i++) {
          if (c.momentum === 0) {
            w[i] = r(w[i] - r(g[i] * lr));
          } else {
            m[i] = r(r(m[i] * mom) - r(g[i] * lr));
            if (c.nesterov) w[i] = r(w[i] + r(r(m[i] * mom) - r(g[i] * lr)));
            else w[i] = r(w[i] + m[i]);
          }
        }
      });
    } else if (opt.type === 'rmsprop') {
      const rho = r(c.rho);
      const omr = r(1 - c.rho);
      const eps = r(c.epsilon);
      weights.forEach((w, k) => {
        const v = state.v[k];
        const g = grads[k];
        for (let i = 0; i < w.length; i++) {
          v[i] = r(r(rho * v[i]) + r(omr * r(g[i] * g[i])));
          w[i] = r(w[i] - r(r(lr * g[i]) / r(Math.sqrt(r(v[i] + eps)))));
        }
      });
    } else {
      throw new Error(`unknown optimizer ${opt.type}`);
    }
  }
  return { step };
}

export function optimizerFormula(opt) {
  const parts = [OPTIMIZER_FORMULAS[opt.type]];
  if (opt.type === 'adamw') parts.push(OPTIMIZER_FORMULAS.adam);
  if (opt.config.clipnorm) parts.unshift(OPTIMIZER_FORMULAS.clipnorm);
  if (opt.config.global_clipnorm) parts.unshift(OPTIMIZER_FORMULAS.global_clipnorm);
  if (opt.config.clipvalue) parts.unshift(OPTIMIZER_FORMULAS.clipvalue);
  return parts.join('; then ');
}
