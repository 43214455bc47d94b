// Training reference numbers for LstmGen: losses, gradients and Keras 3
// optimizer steps, using TensorFlow.js layers (cpu backend) for the forward
// pass and for the gradients (autodiff through model.apply).
//
//   cd tests/reference && npm ci && node make_training_reference.mjs
//
// Writes ../LstmGen.Tests/Reference/Training/<case>.json:
//   grad_<inference case>.json          (kind "gradient", MSE loss)
//   loss_<loss>_<2d|seq>.json           (kind "loss")
//   opt_<model>_<optimizer>.json        (kind "optimizer", 3 steps)
// Deterministic (seeded PRNG, float32 values written as the shortest decimal
// that parses back to the same float32): reruns give byte-identical files.
// See README.md ("Training references") for the formulas and the format.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  tf, ENGINE, mulberry32, fnv1a, f32, fmt, prod, sameShape, buildModel,
  input, dense, lstm, timeDistributed, seq,
} from './reference_common.mjs';
import { LOSSES, KERAS_EPSILON, lossF64, OPTIMIZERS, makeOptimizer, optimizerFormula } from './training_common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REF_DIR = path.resolve(HERE, '../LstmGen.Tests/Reference');
const OUT_DIR = path.join(REF_DIR, 'Training');
const STEPS = 3;
// Models with more weight values than this do not repeat the initial weights
// and the gradients in their optimizer files (size); use weightsFrom.
const INLINE_LIMIT = 5000;

// ---------------------------------------------------------------------------
// Model with given weights
// ---------------------------------------------------------------------------
function modelWithWeights(layers, inputIsTokens, weights, caseName) {
  const { model, built, hasStates } = buildModel(layers, inputIsTokens, caseName);
  const vars = []; // { name, shape, lv } in model (= Keras) order
  let pos = 0;
  for (const b of built) {
    const lvs = b.layer.weights;
    if (lvs.length !== b.specs.length) throw new Error(`${caseName}: ${b.layer.name} has ${lvs.length} weights, expected ${b.specs.length}`);
    b.specs.forEach((s, i) => {
      const w = weights[pos++];
      if (!w || w.name !== s.name) throw new Error(`${caseName}: weight ${w && w.name} where ${s.name} expected`);
      if (!sameShape(w.shape, s.shape) || !sameShape(lvs[i].shape, s.shape)) throw new Error(`${caseName}: ${s.name} shape mismatch`);
      vars.push({ name: s.name, shape: s.shape, lv: lvs[i] });
    });
  }
  if (pos !== weights.length) throw new Error(`${caseName}: ${weights.length - pos} unused weights`);
  setValues(vars, weights.map((w) => w.values));
  return { model, vars, hasStates };
}

function setValues(vars, values) {
  vars.forEach((v, i) => {
    const t = tf.tensor(Float32Array.from(values[i]), v.shape, 'float32');
    v.lv.write(t);
    t.dispose();
    // Read back: must be exactly what we wrote.
    const got = v.lv.read().dataSync();
    for (let k = 0; k < got.length; k++) if (got[k] !== f32(values[i][k])) throw new Error(`${v.name}: read-back mismatch`);
  });
}

// Forward pass used for the gradients: model.apply with training = true (the
// tfjs executor, as model.fit uses). A fresh kwargs object each call: the
// executor writes the mask into it. Models with Dropout / SpatialDropout1D
// layers run with training = false (dropout off: tfjs would draw random masks;
// the C# side is called with training: false for them).
function forward(model, x, training = true) {
  const y = model.apply(x, { training });
  return Array.isArray(y) ? y : [y];
}
const hasDropout = (layers) => layers.some((d) => d.type === 'dropout' || d.type === 'spatialDropout1d');

// ---------------------------------------------------------------------------
// Keras 3 losses in tfjs ops (the gradients follow these exact formulas)
// ---------------------------------------------------------------------------
function lossTensor(type, yPred, yTrue) {
  const eps = KERAS_EPSILON;
  const meanRest = (perPosition) => tf.mean(perPosition); // sum / count over all but the last axis
  switch (type) {
    case 'mse':
      return meanRest(tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
    case 'mae':
      return meanRest(tf.mean(tf.abs(tf.sub(yPred, yTrue)), -1));
    case 'binary_crossentropy': {
      const p = tf.clipByValue(yPred, eps, 1 - eps);
      const bce = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
      return meanRest(tf.mean(tf.neg(bce), -1));
    }
    case 'binary_crossentropy_from_logits': {
      const z = yPred;
      const e = tf.add(tf.sub(tf.relu(z), tf.mul(z, yTrue)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return meanRest(tf.mean(e, -1));
    }
    case 'categorical_crossentropy':
    case 'sparse_categorical_crossentropy': {
      const k = yPred.shape[yPred.shape.length - 1];
      const oneHot = type === 'categorical_crossentropy' ? yTrue : tf.oneHot(yTrue, k).toFloat();
      let p = tf.div(yPred, tf.sum(yPred, -1, true));
      p = tf.clipByValue(p, eps, 1 - eps);
      return meanRest(tf.neg(tf.sum(tf.mul(oneHot, tf.log(p)), -1)));
    }
    default:
      throw new Error(`unknown loss ${type}`);
  }
}

// tfjs's own (Keras 2 port) loss implementations, as a check of the numbers.
function tfjsBuiltinLoss(type, yPred, yTrue) {
  return tf.tidy(() => {
    const k = yPred.shape[yPred.shape.length - 1];
    switch (type) {
      case 'mse':
        return tf.mean(tf.metrics.meanSquaredError(yTrue, yPred));
      case 'mae':
        return tf.mean(tf.metrics.meanAbsoluteError(yTrue, yPred));
      case 'binary_crossentropy':
        return tf.mean(tf.metrics.binaryCrossentropy(yTrue, yPred));
      case 'binary_crossentropy_from_logits':
        return tf.losses.sigmoidCrossEntropy(yTrue, yPred); // mean over all elements
      case 'categorical_crossentropy':
        return tf.mean(tf.metrics.categoricalCrossentropy(yTrue, yPred));
      case 'sparse_categorical_crossentropy':
        return tf.mean(tf.metrics.categoricalCrossentropy(tf.oneHot(yTrue, k).toFloat(), yPred));
      default:
        throw new Error(type);
    }
  });
}

// Loss value and gradients (weights, and the input for float inputs).
let inputVarCounter = 0;
// target: one tensor (loss on the main output), or for a loss per output
// (lossType 'per_output') an array of tensors, one per output, each with MSE;
// the loss is their sum (Keras compile(loss=[...]), loss_weights 1).
function lossAndGrads(m, x, inputIsTokens, target, lossType, training = true) {
  const varList = m.vars.map((v) => v.lv.read());
  let xVar = null;
  if (!inputIsTokens) {
    xVar = tf.variable(x, true, `training_input_${++inputVarCounter}`);
    varList.push(xVar);
  }
  const xs = xVar ?? x;
  const f = () => {
    const outs = forward(m.model, xs, training);
    if (lossType !== 'per_output') return lossTensor(lossType, outs[0], target);
    if (outs.length !== target.length) throw new Error(`${outs.length} outputs, ${target.length} targets`);
    return tf.addN(outs.map((o, i) => lossTensor('mse', o, target[i])));
  };
  const { value, grads } = tf.variableGrads(f, varList);
  const lossValue = value.dataSync()[0];
  const gradValues = m.vars.map((v) => {
    const g = grads[v.lv.read().name];
    if (!g) throw new Error(`no gradient for ${v.name}`);
    return g.dataSync().slice();
  });
  const inputGrad = xVar ? grads[xVar.name].dataSync().slice() : null;
  tf.dispose([value, ...Object.values(grads)]);
  if (xVar) xVar.dispose();
  return { lossValue, gradValues, inputGrad };
}

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------
function outputActivation(layers) {
  const last = layers[layers.length - 1];
  if (last.type === 'dense' || last.type === 'activation') return last.activation;
  if (last.type === 'timeDistributed') return last.layer.activation;
  if (last.type === 'lstm' || last.type === 'gru' || last.type === 'simpleRnn') return last.activation;
  if (last.type === 'dropout' || last.type === 'spatialDropout1d') return outputActivation(layers.slice(0, -1));
  throw new Error(`no output activation for ${last.type}`);
}
// uniform(-1, 1), or (0, 1) (never exactly 0 or 1) for sigmoid / softmax outputs
function regressionTargets(rand, n, activation) {
  const unit = activation === 'sigmoid' || activation === 'softmax';
  return Float32Array.from({ length: n }, () => (unit ? f32(0.005 + 0.99 * rand()) : f32(-1 + 2 * rand())));
}
function lossTargets(rand, lossType, nPos, k) {
  switch (lossType) {
    case 'mse':
    case 'mae':
      return Float32Array.from({ length: nPos * k }, () => f32(-1 + 2 * rand()));
    case 'binary_crossentropy':
    case 'binary_crossentropy_from_logits':
      return Float32Array.from({ length: nPos * k }, () => (rand() < 0.5 ? 0 : 1));
    case 'categorical_crossentropy': {
      const t = new Float32Array(nPos * k);
      for (let i = 0; i < nPos; i++) t[i * k + Math.floor(rand() * k)] = 1;
      return t;
    }
    case 'sparse_categorical_crossentropy':
      return Int32Array.from({ length: nPos }, () => Math.floor(rand() * k));
    default:
      throw new Error(lossType);
  }
}

// ---------------------------------------------------------------------------
// Checks collected for the report
// ---------------------------------------------------------------------------
const checks = { forwardVsJson: 0, forwardVsPredict: 0, lossVsF64: 0, lossVsBuiltin: 0, lossRows: [], gradScale: [] };
const maxAbs = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

function checkForward(m, x, c, outs, training = true) {
  // predict path (inference) vs apply(training = true): must agree bit for bit.
  let p = m.model.predict(x, { batchSize: c.batch });
  p = Array.isArray(p) ? p : [p];
  const d = maxAbs(outs[0].dataSync(), p[0].dataSync());
  checks.forwardVsPredict = Math.max(checks.forwardVsPredict, d);
  if (d !== 0) throw new Error(`${c.name}: apply(training=${training}) differs from predict by ${d}`);
  tf.dispose(p);
}

const wlist = (vars, values) => vars.map((v, i) => ({ name: v.name, shape: v.shape, values: Array.from(values[i], fmt) }));

// ---------------------------------------------------------------------------
// A. Gradient cases: every inference case, MSE on the main output
// ---------------------------------------------------------------------------
function gradientCase(inf) {
  const name = `grad_${inf.name}`;
  const m = modelWithWeights(inf.layers, inf.inputIsTokens, inf.weights, name);
  const shape = [inf.batch, ...inf.inputShape];
  const x = tf.tensor(inf.input, shape, inf.inputIsTokens ? 'int32' : 'float32');
  const training = !hasDropout(inf.layers);
  const outs = forward(m.model, x, training);
  const out = outs[0].dataSync().slice();
  const dj = maxAbs(out, Float32Array.from(inf.output));
  checks.forwardVsJson = Math.max(checks.forwardVsJson, dj);
  if (dj !== 0) throw new Error(`${name}: forward output differs from ${inf.name}.json by ${dj}`);
  checkForward(m, x, inf, outs, training);
  tf.dispose(outs);

  const rand = mulberry32(fnv1a(name));
  const targetValues = regressionTargets(rand, out.length, outputActivation(inf.layers));
  const target = tf.tensor(targetValues, [inf.batch, ...inf.outputShape]);
  const { lossValue, gradValues, inputGrad } = lossAndGrads(m, x, inf.inputIsTokens, target, 'mse', training);
  checkLoss(name, 'mse', lossValue, out, targetValues, inf.outputShape, target);
  checkGradientScale(name, m.vars, gradValues, inputGrad);

  const r = {
    name,
    kind: 'gradient',
    engine: ENGINE,
    inferenceCase: `${inf.name}.json`,
    layers: inf.layers,
    inputShape: inf.inputShape,
    inputIsTokens: inf.inputIsTokens,
    batch: inf.batch,
    input: inf.input,
    outputShape: inf.outputShape,
    output: Array.from(out, fmt),
    ...(training ? {} : { training: false, trainingNote: 'dropout layers: forward and gradients in inference mode (dropout off), as ComputeGradients(..., training: false)' }),
    loss: lossInfo('mse', m.hasStates),
    lossFormula: LOSSES.mse.formula,
    targetShape: inf.outputShape,
    target: Array.from(targetValues, fmt),
    lossValue: fmt(lossValue),
    weights: inf.weights,
    gradients: wlist(m.vars, gradValues),
    inputGradient: inputGrad ? Array.from(inputGrad, fmt) : null,
  };
  tf.dispose([x, target]);
  m.model.dispose();
  return r;
}

// Every gradient tensor of a gradient case must have a healthy magnitude, so
// that the C# side's 1e-5 bound is a real test of it (issue 14: a layer whose
// gradient was below 3.4e-6 everywhere). GRAD_FLOOR: the smallest allowed
// max |g| of a weight tensor or of the input gradient. The cases of the
// first reference set listed below predate the check and are reported only.
const GRAD_FLOOR = 1e-3;
const GRAD_FLOOR_EXEMPT = new Set([
  'grad_lstm_activations', 'grad_long_stacked_seq', 'grad_many_to_many_same', 'grad_embedding_mask_bidirectional',
  'grad_embedding_mask_stacked',
]);
function checkGradientScale(name, vars, gradValues, inputGrad) {
  const maxAbsOf = (a) => a.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
  const tensors = vars.map((v, i) => [v.name, maxAbsOf(gradValues[i])]);
  if (inputGrad) tensors.push(['input', maxAbsOf(inputGrad)]);
  const [worstName, worst] = tensors.reduce((a, b) => (b[1] < a[1] ? b : a));
  checks.gradScale.push({ name, worstName, worst });
  if (worst < GRAD_FLOOR && !GRAD_FLOOR_EXEMPT.has(name)) {
    throw new Error(`${name}: the gradient of ${worstName} is at most ${worst.toExponential(2)} (< ${GRAD_FLOOR}): change the case`);
  }
}

function lossInfo(type, hasStates = false) {
  const L = LOSSES[type];
  const info = { type, keras: L.keras, fromLogits: L.fromLogits, reduction: 'sum_over_batch_size', formula: L.formula };
  if (hasStates) info.note = 'returnState model: the loss uses only the main output (output 0), not the states';
  return info;
}

function checkLoss(name, type, lossValue, out, targetValues, outputShape, target) {
  const k = outputShape[outputShape.length - 1];
  const hand = lossF64(type, Array.from(out), Array.from(targetValues), k);
  const outT = tf.tensor(out, type === 'sparse_categorical_crossentropy' ? [...target.shape, k] : target.shape);
  const builtin = tfjsBuiltinLoss(type, outT, target);
  const b = builtin.dataSync()[0];
  tf.dispose([outT, builtin]);
  const rel = (a, c) => Math.abs(a - c) / Math.max(Math.abs(c), 1e-12);
  const dHand = rel(lossValue, hand);
  const dBuiltin = rel(b, hand);
  checks.lossVsF64 = Math.max(checks.lossVsF64, dHand);
  checks.lossVsBuiltin = Math.max(checks.lossVsBuiltin, dBuiltin);
  checks.lossRows.push({ name, type, lossValue, hand, builtin: b, dHand, dBuiltin });
  if (dHand > 2e-6) throw new Error(`${name}: loss ${lossValue} vs float64 hand computation ${hand}`);
  if (dBuiltin > 2e-6) throw new Error(`${name}: tfjs built-in loss ${b} vs float64 hand computation ${hand}`);
}

// ---------------------------------------------------------------------------
// A2. Several outputs: ReturnState models with one MSE per output (the output,
// then h, and c for an LSTM), summed as Keras's compile(loss=[...]) with
// loss_weights 1. Targets per sample in the order [output | h | c].
// ---------------------------------------------------------------------------
const MULTI_OUTPUT_CASES = [
  'return_state', 'return_state_seq', 'gru_return_state', 'gru_return_state_seq', 'gru_before_return_state',
  'simple_rnn_return_state', 'simple_rnn_return_state_seq',
];

function multiOutputCase(inf) {
  const name = `multi_${inf.name}`;
  const m = modelWithWeights(inf.layers, inf.inputIsTokens, inf.weights, name);
  if (!m.hasStates || inf.inputIsTokens) throw new Error(`${name}: needs a float-input ReturnState model`);
  const shape = [inf.batch, ...inf.inputShape];
  const x = tf.tensor(inf.input, shape, 'float32');
  const outs = forward(m.model, x);
  const outputNames = outs.length === 3 ? ['output', 'h', 'c'] : ['output', 'h'];
  const shapes = outs.map((o) => o.shape.slice(1));
  const values = outs.map((o) => o.dataSync().slice());
  const fromJson = [inf.output, inf.stateH, inf.stateC].slice(0, outs.length);
  values.forEach((v, i) => {
    const d = maxAbs(v, Float32Array.from(fromJson[i]));
    if (d !== 0) throw new Error(`${name}: ${outputNames[i]} differs from ${inf.name}.json by ${d}`);
  });
  tf.dispose(outs);

  const rand = mulberry32(fnv1a(name));
  const targets = values.map((v) => regressionTargets(rand, v.length, 'linear'));
  const targetTensors = targets.map((t, i) => tf.tensor(t, [inf.batch, ...shapes[i]]));
  const { lossValue, gradValues, inputGrad } = lossAndGrads(m, x, false, targetTensors, 'per_output');
  const lossValues = targetTensors.map((t, i) => {
    const o = tf.tensor(values[i], [inf.batch, ...shapes[i]]);
    const l = lossTensor('mse', o, t);
    const v = l.dataSync()[0];
    tf.dispose([o, l]);
    return v;
  });
  // The sum against a float64 hand computation of each output's Keras MSE.
  const hand = values.reduce((sum, v, i) => sum + lossF64('mse', Array.from(v), Array.from(targets[i]), shapes[i][shapes[i].length - 1]), 0);
  const rel = Math.abs(lossValue - hand) / hand;
  checks.lossVsF64 = Math.max(checks.lossVsF64, rel);
  if (rel > 2e-6) throw new Error(`${name}: loss ${lossValue} vs float64 hand computation ${hand}`);
  checkGradientScale(name, m.vars, gradValues, inputGrad);

  // Per sample: the output's targets, then h's, then c's.
  const perSample = shapes.map(prod);
  const target = [];
  for (let b = 0; b < inf.batch; b++) targets.forEach((t, i) => target.push(...t.subarray(b * perSample[i], (b + 1) * perSample[i])));
  const r = {
    name,
    kind: 'multiOutput',
    engine: ENGINE,
    inferenceCase: `${inf.name}.json`,
    layers: inf.layers,
    inputShape: inf.inputShape,
    inputIsTokens: false,
    batch: inf.batch,
    input: inf.input,
    outputShape: inf.outputShape,
    output: inf.output,
    stateH: inf.stateH,
    ...(inf.stateC ? { stateC: inf.stateC } : {}),
    loss: {
      type: 'per_output',
      outputs: outputNames,
      losses: outputNames.map(() => 'mse'),
      keras: `model.compile(loss=[${outputNames.map(() => '"mse"').join(', ')}]) (loss_weights 1); C#: Loss.PerOutput(${outputNames.map(() => 'Loss.MeanSquaredError').join(', ')})`,
      reduction: 'sum_over_batch_size per output',
      formula: `loss = ${outputNames.map((o) => `mse(${o})`).join(' + ')}, each ${LOSSES.mse.formula}`,
    },
    targetShapes: shapes,
    targetLayout: `per sample: ${outputNames.map((o, i) => `${o} (${perSample[i]} values)`).join(' | ')}`,
    target: target.map(fmt),
    lossValues: lossValues.map(fmt),
    lossValue: fmt(lossValue),
    weights: inf.weights,
    gradients: wlist(m.vars, gradValues),
    inputGradient: Array.from(inputGrad, fmt),
  };
  tf.dispose([x, ...targetTensors]);
  m.model.dispose();
  return r;
}

// ---------------------------------------------------------------------------
// B. Loss cases
// ---------------------------------------------------------------------------
const LOSS_ACTIVATION = {
  mse: 'linear',
  mae: 'linear',
  binary_crossentropy: 'sigmoid',
  binary_crossentropy_from_logits: 'linear',
  categorical_crossentropy: 'softmax',
  sparse_categorical_crossentropy: 'softmax',
};
const LOSS_CLASSES = 3;
const LOSS_BATCH = 4;

function lossModels(act) {
  return {
    '2d': [input([4]), dense(5, 'relu'), dense(LOSS_CLASSES, act)],
    seq: [input([5, 3]), lstm(4, seq), timeDistributed(dense(LOSS_CLASSES, act))],
  };
}

function lossCase(type, variant) {
  const name = `loss_${type}_${variant}`;
  const layers = lossModels(LOSS_ACTIVATION[type])[variant];
  const rand = mulberry32(fnv1a(name));
  const uniform = (lo, hi) => f32(lo + (hi - lo) * rand());
  // Weights (model order, uniform(-0.5, 0.5)) and input (uniform(-1, 1)), as the inference generator.
  const { model, built } = buildModel(layers, false, name);
  const weights = [];
  for (const b of built) {
    for (const s of b.specs) weights.push({ name: s.name, shape: s.shape, values: Array.from({ length: prod(s.shape) }, () => uniform(-0.5, 0.5)) });
  }
  model.dispose();
  const m = modelWithWeights(layers, false, weights, name);
  const inputShape = layers[0].shape;
  const xValues = Float32Array.from({ length: LOSS_BATCH * prod(inputShape) }, () => uniform(-1, 1));
  const x = tf.tensor(xValues, [LOSS_BATCH, ...inputShape]);
  const outs = forward(m.model, x);
  const outputShape = outs[0].shape.slice(1);
  const out = outs[0].dataSync().slice();
  checkForward(m, x, { name, batch: LOSS_BATCH }, outs);
  tf.dispose(outs);

  const k = outputShape[outputShape.length - 1];
  const nPos = out.length / k;
  const targetValues = lossTargets(rand, type, nPos, k);
  const sparse = type === 'sparse_categorical_crossentropy';
  const targetShape = sparse ? outputShape.slice(0, -1) : outputShape;
  const target = tf.tensor(targetValues, [LOSS_BATCH, ...targetShape], sparse ? 'int32' : 'float32');
  const { lossValue, gradValues, inputGrad } = lossAndGrads(m, x, false, target, type);
  checkLoss(name, type, lossValue, out, targetValues, outputShape, target);
  if (type === 'binary_crossentropy' || type === 'categorical_crossentropy' || type === 'sparse_categorical_crossentropy') {
    // The clipping must not be active here (it would zero gradients).
    const eps = KERAS_EPSILON;
    for (const p of out) if (p <= eps || p >= 1 - eps) throw new Error(`${name}: probability ${p} hits the clip`);
  }

  const r = {
    name,
    kind: 'loss',
    engine: ENGINE,
    layers,
    inputShape,
    inputIsTokens: false,
    batch: LOSS_BATCH,
    input: Array.from(xValues, fmt),
    outputShape,
    output: Array.from(out, fmt),
    loss: lossInfo(type),
    lossFormula: LOSSES[type].formula,
    targetShape,
    target: sparse ? Array.from(targetValues) : Array.from(targetValues, fmt),
    lossValue: fmt(lossValue),
    weights: wlist(m.vars, weights.map((w) => w.values)),
    gradients: wlist(m.vars, gradValues),
    inputGradient: Array.from(inputGrad, fmt),
  };
  tf.dispose([x, target]);
  m.model.dispose();
  return r;
}

// ---------------------------------------------------------------------------
// C. Optimizer cases: 3 steps on one batch, Keras 3 update rules by hand
// ---------------------------------------------------------------------------
const OPT_MODELS = [
  { model: 'many_to_one', loss: 'mse' },
  { model: 'stacked', loss: 'mse' },
  { model: 'embedding_mask', loss: 'binary_crossentropy' },
  // GRU (reset_after = true and false) and SimpleRNN: a few optimizers each.
  { model: 'gru_last', loss: 'mse', optimizers: ['adam', 'sgd_momentum', 'rmsprop', 'adamw', 'adam_clipnorm'] },
  { model: 'gru_before_embedding_mask', loss: 'binary_crossentropy', optimizers: ['adam', 'sgd_nesterov'] },
  { model: 'simple_rnn_last', loss: 'mse', optimizers: ['adam', 'sgd_momentum', 'rmsprop', 'adamw', 'adam_clipnorm'] },
];

function optimizerCases(spec) {
  const inf = JSON.parse(fs.readFileSync(path.join(REF_DIR, `${spec.model}.json`), 'utf8'));
  const prefix = `opt_${spec.model}`;
  const m = modelWithWeights(inf.layers, inf.inputIsTokens, inf.weights, prefix);
  const x = tf.tensor(inf.input, [inf.batch, ...inf.inputShape], inf.inputIsTokens ? 'int32' : 'float32');
  // Fixed targets, shared by all optimizer configs of this model.
  const rand = mulberry32(fnv1a(prefix));
  const n = inf.output.length;
  const targetValues =
    spec.loss === 'mse'
      ? regressionTargets(rand, n, outputActivation(inf.layers))
      : Float32Array.from({ length: n }, () => (rand() < 0.5 ? 0 : 1));
  const target = tf.tensor(targetValues, [inf.batch, ...inf.outputShape]);
  const initial = inf.weights.map((w) => Float32Array.from(w.values));
  const nValues = initial.reduce((s, w) => s + w.length, 0);
  const inline = nValues <= INLINE_LIMIT;

  const results = [];
  let firstGrads = null;
  const optimizers = spec.optimizers ? OPTIMIZERS.filter((o) => spec.optimizers.includes(o.name)) : OPTIMIZERS;
  if (spec.optimizers && optimizers.length !== spec.optimizers.length) throw new Error(`${prefix}: unknown optimizer`);
  for (const opt of optimizers) {
    const weights = initial.map((w) => Float32Array.from(w)); // float32 storage = rounding of the hand update
    setValues(m.vars, weights);
    const optimizer = makeOptimizer(opt, weights.map((w) => w.length), f32);
    const lossBefore = [];
    let step1 = null;
    for (let s = 0; s < STEPS; s++) {
      const g = lossAndGrads(m, x, inf.inputIsTokens, target, spec.loss);
      lossBefore.push(g.lossValue);
      if (s === 0) step1 = g;
      optimizer.step(weights, g.gradValues);
      setValues(m.vars, weights);
    }
    if (firstGrads == null) firstGrads = step1;
    // All configs start from the same weights: the step-1 gradients must be identical.
    for (let k = 0; k < initial.length; k++) {
      if (maxAbs(step1.gradValues[k], firstGrads.gradValues[k]) !== 0) throw new Error(`${prefix}: step-1 gradients not reproducible`);
    }
    if (step1.lossValue !== firstGrads.lossValue) throw new Error(`${prefix}: loss not reproducible`);
    if (opt === optimizers[0]) {
      // predict-path check of the initial output against the inference JSON
      setValues(m.vars, initial);
      const outs = forward(m.model, x);
      const d = maxAbs(outs[0].dataSync(), Float32Array.from(inf.output));
      if (d !== 0) throw new Error(`${prefix}: output differs from ${inf.name}.json`);
      tf.dispose(outs);
    }
    checkLoss(`${prefix}_${opt.name}`, spec.loss, step1.lossValue, Float32Array.from(inf.output), targetValues, inf.outputShape, target);

    const r = {
      name: `${prefix}_${opt.name}`,
      kind: 'optimizer',
      engine: ENGINE,
      inferenceCase: `${inf.name}.json`,
      weightsFrom: `../${inf.name}.json`,
      layers: inf.layers,
      inputShape: inf.inputShape,
      inputIsTokens: inf.inputIsTokens,
      batch: inf.batch,
      input: inf.input,
      outputShape: inf.outputShape,
      output: inf.output,
      loss: lossInfo(spec.loss),
      lossFormula: LOSSES[spec.loss].formula,
      targetShape: inf.outputShape,
      target: Array.from(targetValues, fmt),
      lossValue: fmt(step1.lossValue),
    };
    if (inline) {
      r.weights = inf.weights;
      r.gradients = wlist(m.vars, step1.gradValues);
      r.inputGradient = step1.inputGrad ? Array.from(step1.inputGrad, fmt) : null;
    } else {
      r.weights = null; // = the weights of weightsFrom (too large to repeat)
      r.gradients = null;
      r.inputGradient = null;
    }
    r.optimizer = {
      name: opt.name,
      type: opt.type,
      config: opt.config,
      formula: optimizerFormula(opt),
      arithmetic:
        'float32: Math.fround after every scalar operation; sums of squares for clipping accumulated in float64 then rounded to float32; gradients from tfjs (float32)',
      steps: STEPS,
      lossBefore: lossBefore.map(fmt),
      weightsAfter: wlist(m.vars, weights),
    };
    results.push(r);
  }
  tf.dispose([x, target]);
  m.model.dispose();
  return results;
}

// ---------------------------------------------------------------------------
// JSON layout: one top-level key per line; one layer / weight per line.
// ---------------------------------------------------------------------------
const LIST_KEYS = new Set(['layers', 'weights', 'gradients', 'weightsAfter']);
function toJsonT(r, indent = '  ') {
  const lines = Object.entries(r).map(([k, v]) => {
    let s;
    if (LIST_KEYS.has(k) && Array.isArray(v)) {
      s = v.length === 0 ? '[]' : '[\n' + v.map((e) => indent + '  ' + JSON.stringify(e)).join(',\n') + '\n' + indent + ']';
    } else if (k === 'optimizer') {
      s = toJsonT(v, indent + '  ').trimEnd();
    } else {
      s = JSON.stringify(v);
    }
    return `${indent}${JSON.stringify(k)}: ${s}`;
  });
  return '{\n' + lines.join(',\n') + '\n' + indent.slice(2) + '}\n';
}

// ---------------------------------------------------------------------------
await tf.setBackend('cpu');
await tf.ready();
if (tf.getBackend() !== 'cpu') throw new Error('cpu backend not active');
fs.mkdirSync(OUT_DIR, { recursive: true });
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.some((o) => name === o || name.startsWith(o));
const written = [];
function write(r) {
  fs.writeFileSync(path.join(OUT_DIR, `${r.name}.json`), toJsonT(r));
  written.push(r.name);
  console.log(`${r.name.padEnd(44)} loss ${String(r.lossValue).padEnd(12)} ${r.kind}`);
}

const infNames = fs
  .readdirSync(REF_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();
for (const n of infNames) {
  if (!want(`grad_${n}`)) continue;
  const inf = JSON.parse(fs.readFileSync(path.join(REF_DIR, `${n}.json`), 'utf8'));
  write(gradientCase(inf));
}
for (const n of MULTI_OUTPUT_CASES) {
  if (!want(`multi_${n}`)) continue;
  write(multiOutputCase(JSON.parse(fs.readFileSync(path.join(REF_DIR, `${n}.json`), 'utf8'))));
}
for (const type of Object.keys(LOSSES)) {
  for (const variant of ['2d', 'seq']) if (want(`loss_${type}_${variant}`)) write(lossCase(type, variant));
}
for (const spec of OPT_MODELS) {
  if (!want(`opt_${spec.model}`)) continue;
  for (const r of optimizerCases(spec)) write(r);
}
console.log(
  `${written.length} file(s) written to ${path.relative(process.cwd(), OUT_DIR) || '.'}\n` +
    `forward: apply(training=true) vs inference JSON max |diff| ${checks.forwardVsJson}, vs predict ${checks.forwardVsPredict}\n` +
    `loss: max rel diff vs float64 hand computation ${checks.lossVsF64.toExponential(2)}, tfjs built-in vs hand ${checks.lossVsBuiltin.toExponential(2)}`,
);
{
  const exempt = checks.gradScale.filter((g) => g.worst < GRAD_FLOOR);
  const checked = checks.gradScale.filter((g) => !GRAD_FLOOR_EXEMPT.has(g.name));
  const worst = checked.reduce((a, b) => (b.worst < a.worst ? b : a), { worst: Infinity });
  if (checked.length) console.log(`gradient scale: smallest max |g| of a tensor ${worst.worst.toExponential(2)} (${worst.name}, ${worst.worstName}); floor ${GRAD_FLOOR}`);
  for (const g of exempt) console.log(`  below the floor, exempt (first reference set): ${g.name} ${g.worstName} ${g.worst.toExponential(2)}`);
}
if (process.env.LOSS_TABLE) {
  for (const row of checks.lossRows) {
    console.log(`${row.name.padEnd(48)} ${row.lossValue.toPrecision(9).padStart(14)} hand ${row.hand.toPrecision(12)} builtin ${row.builtin.toPrecision(9)} ${row.dHand.toExponential(2)} ${row.dBuiltin.toExponential(2)}`);
  }
}
