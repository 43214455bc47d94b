// Reference numbers for the benchmarked models (tests/LstmGen.Benchmarks/Models.cs), for the quick correctness pass in
// tests/LstmGen.Benchmarks.Tests. TensorFlow.js layers (cpu backend), as make_reference.mjs.
//
//   cd tests/reference && npm ci && node make_benchmark_reference.mjs      (~1-2 min, mostly W4)
//   node make_benchmark_reference.mjs --update W6Gru,W7SimpleRnn           (only these models; the others' entries kept)
//
// Writes ../LstmGen.Benchmarks.Tests/Reference/benchmarks.json. Weights, inputs and targets are not random: they come
// from one integer formula (FORMULAS below, repeated in the JSON) that the C# tests evaluate with the same integer
// arithmetic and one double division rounded to float32, so both sides hold bit-identical float32 values without
// storing the 2.6 M weights. Deterministic: reruns give byte-identical files. See README.md ("Benchmark references").

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, ENGINE, f32, fmt, prod, sameShape, buildModel, input, dense, embedding, lstm, gru, simpleRnn, conv1d, seq } from './reference_common.mjs';
import { LOSSES, KERAS_EPSILON, lossF64, OPTIMIZERS, makeOptimizer, OPTIMIZER_FORMULAS } from './training_common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_FILE = path.resolve(HERE, '../LstmGen.Benchmarks.Tests/Reference/benchmarks.json');

// ---------------------------------------------------------------------------
// The formulas (integers, then one division in float64, rounded to float32)
// ---------------------------------------------------------------------------
const MOD = 65521; // prime
const HALF = 32760; // (MOD - 1) / 2
// u(i, s) in [0, MOD): a quadratic residue sequence (no ramps or short periods as a linear one has). Exact in float64:
// i < 2^22 keeps 13*i*i < 2^53 (the largest array here, W4's targets, has 3 276 800 values).
function u(i, s) {
  if (!(i >= 0 && i < 4194304 && Number.isInteger(i)) || !(s >= 0 && s < 100000 && Number.isInteger(s))) throw new Error(`u(${i}, ${s}) out of range`);
  return (13 * i * i + 7919 * i + 104729 * s) % MOD;
}
const weightValue = (i, s, p, q) => f32((p * (u(i, s) - HALF)) / (q * HALF));
const floatInput = (i, salt) => f32((u(i, salt) - HALF) / HALF);
const tokenInput = (i, salt, vocabulary) => 1 + (u(i, salt) % (vocabulary - 1));
const regressionTarget = (i, salt) => f32((u(i, salt) - HALF) / (2 * HALF));
const binaryTarget = (i, salt) => u(i, salt) % 2;

const FORMULAS = {
  u: `u(i, s) = (13*i*i + 7919*i + 104729*s) mod ${MOD} (exact integers: 64-bit in C#, exact in float64 for i < 2^22)`,
  weights:
    `weight s (its index in model.weights = Weights.Entries order, from 0), flat row-major element i: ` +
    `float32((p*(u(i, s) - ${HALF})) / (q*${HALF})): numerator and denominator are integers, one float64 division, ` +
    `then rounded to float32; p/q = the weight's "scale": 2/ceil(sqrt(shape[0])) for kernels and recurrent kernels ` +
    `(fan-in), 1/1 for embeddings, 1/10 for biases (so values lie in [-p/q, p/q])`,
  floatInput: `x[i] = float32((u(i, inputSalt) - ${HALF}) / ${HALF}), i over the batch-major input (batch, steps, features); in [-1, 1]`,
  tokenInput: `x[i] = 1 + (u(i, inputSalt) mod (vocabulary - 1)), i over the batch-major input (batch, steps); in [1, vocabulary - 1]`,
  regressionTarget: `y[i] = float32((u(i, targetSalt) - ${HALF}) / (2*${HALF})), i over the batch-major output; in [-0.5, 0.5]`,
  binaryTarget: `y[i] = u(i, targetSalt) mod 2 (0/1 labels)`,
  batches: 'a batch of n samples is the first n samples of the formula (batch 1 = sample 0 of the batch-32 input)',
  samples:
    'an output or gradient with "stride" holds values[k] = full[k*stride], k = 0 .. ceil(size/stride) - 1 (row-major flat index); ' +
    'without "stride" it is complete. "rows" (embedding gradients): the complete gradient rows of the listed token ids, in that order',
  adamStep:
    'lossAfterAdamStep: one Keras 3 Adam step (defaults) with the gradients of the batch (' + OPTIMIZER_FORMULAS.adam.replace(', t = 1, 2, 3', '') + ', t = 1, ' +
    'float32 after every operation), then the loss on the same batch',
};

// ---------------------------------------------------------------------------
// The models of tests/LstmGen.Benchmarks/Models.cs
// ---------------------------------------------------------------------------
const MODELS = [
  {
    name: 'W1Model', layers: [input([20]), embedding(5000, 128), lstm(128), dense(1, 'sigmoid')], tokens: true,
    inputSalt: 1001, targetSalt: 2001, forwardBatches: [1, 32], training: { loss: 'binary_crossentropy', batch: 32 },
  },
  {
    name: 'W2Model', also: ['W2ModelLooped'], layers: [input([10, 1]), lstm(50, seq), lstm(50), dense(1)],
    inputSalt: 1002, targetSalt: 2002, forwardBatches: [1, 32], training: { loss: 'mse', batch: 32 },
  },
  // W3: the Input(1, 1) streaming models, built here with 20 steps and return_sequences: step t of the stream must give
  // output step t.
  ...[8, 32, 64].map((units) => ({
    name: `W3Lstm${units}`, layers: [input([20, 1]), lstm(units, seq)], streamSteps: 20, inputSalt: 1003, forwardBatches: [1],
  })),
  {
    name: 'W4Model', layers: [input([100, 128]), lstm(512, seq)],
    inputSalt: 1004, targetSalt: 2004, forwardBatches: [64], outputStride: 331, lastStepSamples: [0, 63],
    training: { loss: 'mse', batch: 64 },
  },
  {
    name: 'W5Model', layers: [input([64, 32]), lstm(64), dense(1)],
    inputSalt: 1005, targetSalt: 2005, forwardBatches: [32], training: { loss: 'mse', batch: 32 },
  },
  {
    name: 'W6Gru', layers: [input([64, 32]), gru(64), dense(1)],
    inputSalt: 1006, targetSalt: 2006, forwardBatches: [1, 32], training: { loss: 'mse', batch: 32 },
  },
  {
    name: 'W7SimpleRnn', layers: [input([64, 32]), simpleRnn(64), dense(1)],
    inputSalt: 1007, targetSalt: 2007, forwardBatches: [1, 32], training: { loss: 'mse', batch: 32 },
  },
  {
    name: 'W8ConvLstm', layers: [input([100, 8]), conv1d(64, 3), lstm(64), dense(1)],
    inputSalt: 1008, targetSalt: 2008, forwardBatches: [1, 32], training: { loss: 'mse', batch: 32 },
  },
];

// Gradients of more than FULL_LIMIT values (biases excepted: always complete) are stored strided, with the first of
// these strides that keeps at most SAMPLE_LIMIT values.
const FULL_LIMIT = 4096;
const SAMPLE_LIMIT = 3200;
const STRIDES = [7, 37, 331];

function scaleOf(spec) {
  const role = spec.name.slice(spec.name.lastIndexOf('/') + 1);
  if (role === 'bias') return [1, 10];
  if (role === 'embeddings') return [1, 1];
  // Conv1D kernels (kernel_size, in, filters): fan-in kernel_size * in.
  if (role === 'kernel' && spec.shape.length === 3) return [2, Math.ceil(Math.sqrt(spec.shape[0] * spec.shape[1]))];
  if (role === 'kernel' || role === 'recurrent_kernel') return [2, Math.ceil(Math.sqrt(spec.shape[0]))];
  throw new Error(`no scale for ${spec.name}`);
}

// ---------------------------------------------------------------------------
// Model with the formula weights
// ---------------------------------------------------------------------------
function buildWithFormulaWeights(m) {
  const { model, built } = buildModel(m.layers, !!m.tokens, m.name);
  const vars = [];
  for (const b of built) {
    const lvs = b.layer.weights;
    if (lvs.length !== b.specs.length) throw new Error(`${m.name}: ${b.layer.name} has ${lvs.length} weights, expected ${b.specs.length}`);
    b.specs.forEach((spec, k) => {
      if (!sameShape(lvs[k].shape, spec.shape)) throw new Error(`${m.name}: ${spec.name} shape ${lvs[k].shape} != ${spec.shape}`);
      const s = vars.length;
      const [p, q] = scaleOf(spec);
      const values = new Float32Array(prod(spec.shape));
      for (let i = 0; i < values.length; i++) values[i] = weightValue(i, s, p, q);
      vars.push({ name: spec.name, shape: spec.shape, scale: [p, q], lv: lvs[k], values });
    });
  }
  writeValues(vars, vars.map((v) => v.values));
  return { model, vars };
}

function writeValues(vars, values) {
  vars.forEach((v, k) => {
    const t = tf.tensor(values[k], v.shape, 'float32');
    v.lv.write(t);
    t.dispose();
    const back = v.lv.read().dataSync();
    for (let i = 0; i < back.length; i++) if (back[i] !== values[k][i]) throw new Error(`${v.name}: read-back mismatch at ${i}`);
  });
}

function inputTensor(m, batch) {
  const steps = m.layers[0].shape;
  const n = batch * prod(steps);
  if (m.tokens) {
    const vocabulary = m.layers[1].inputDim;
    return tf.tensor(Int32Array.from({ length: n }, (_, i) => tokenInput(i, m.inputSalt, vocabulary)), [batch, ...steps], 'int32');
  }
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => floatInput(i, m.inputSalt)), [batch, ...steps], 'float32');
}

// ---------------------------------------------------------------------------
// Keras 3 losses in tfjs ops (as make_training_reference.mjs)
// ---------------------------------------------------------------------------
function lossTensor(type, yPred, yTrue) {
  switch (type) {
    case 'mse':
      return tf.mean(tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
    case 'binary_crossentropy': {
      const p = tf.clipByValue(yPred, KERAS_EPSILON, 1 - KERAS_EPSILON);
      const bce = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
      return tf.mean(tf.mean(tf.neg(bce), -1));
    }
    default:
      throw new Error(`loss ${type} not used here`);
  }
}

function lossAndGrads(model, vars, x, y, lossType) {
  const varList = vars.map((v) => v.lv.read());
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(x, { training: true });
    return lossTensor(lossType, Array.isArray(out) ? out[0] : out, y);
  }, varList);
  const lossValue = value.dataSync()[0];
  const gradValues = vars.map((v) => {
    const g = grads[v.lv.read().name];
    if (!g) throw new Error(`no gradient for ${v.name}`);
    return g.dataSync().slice();
  });
  tf.dispose([value, ...Object.values(grads)]);
  return { lossValue, gradValues };
}

// ---------------------------------------------------------------------------
// Sampling
// ---------------------------------------------------------------------------
const strided = (values, stride) => Array.from({ length: Math.ceil(values.length / stride) }, (_, k) => fmt(values[k * stride]));

function gradientEntry(v, g, tokenIds) {
  const e = { name: v.name, shape: v.shape };
  const role = v.name.slice(v.name.lastIndexOf('/') + 1);
  if (g.length <= FULL_LIMIT || role === 'bias') {
    e.values = Array.from(g, fmt);
    return e;
  }
  const stride = STRIDES.find((st) => Math.ceil(g.length / st) <= SAMPLE_LIMIT);
  if (!stride) throw new Error(`${v.name}: no stride fits`);
  e.stride = stride;
  e.values = strided(g, stride);
  if (role === 'embeddings') {
    const width = v.shape[1];
    e.rows = tokenIds;
    e.rowValues = tokenIds.map((id) => Array.from(g.subarray(id * width, (id + 1) * width), fmt));
  }
  return e;
}

const stats = (a) => {
  let min = Infinity, max = -Infinity, sum = 0, sum2 = 0;
  for (const v of a) { min = Math.min(min, v); max = Math.max(max, v); sum += v; sum2 += v * v; }
  const mean = sum / a.length;
  return `min ${min.toFixed(4)} max ${max.toFixed(4)} mean ${mean.toFixed(4)} std ${Math.sqrt(sum2 / a.length - mean * mean).toFixed(4)}`;
};

// ---------------------------------------------------------------------------
// One model
// ---------------------------------------------------------------------------
function runModel(m) {
  const t0 = Date.now();
  const { model, vars } = buildWithFormulaWeights(m);
  const r = {
    name: m.name,
    ...(m.also ? { alsoChecks: m.also } : {}),
    layers: m.layers,
    inputShape: m.layers[0].shape,
    inputIsTokens: !!m.tokens,
    inputSalt: m.inputSalt,
    ...(m.targetSalt ? { targetSalt: m.targetSalt } : {}),
    weights: vars.map((v) => ({
      name: v.name, shape: v.shape, scale: v.scale,
      // A few values by formula, to check the C# implementation of the formula itself.
      check: [...new Set([0, 1, 2, v.values.length >> 1, v.values.length - 1])].filter((i) => i < v.values.length).map((i) => [i, fmt(v.values[i])]),
    })),
    forward: [],
  };

  for (const batch of m.forwardBatches) {
    const x = inputTensor(m, batch);
    const out = model.predict(x, { batchSize: batch });
    const o = out.dataSync();
    const f = { batch, outputShape: out.shape.slice(1) };
    if (m.outputStride) {
      const [steps, units] = f.outputShape;
      f.stride = m.outputStride;
      f.output = strided(o, m.outputStride);
      f.lastStep = m.lastStepSamples.map((b) => ({ sample: b, values: Array.from(o.subarray((b * steps + steps - 1) * units, (b * steps + steps) * units), fmt) }));
    } else {
      f.output = Array.from(o, fmt);
    }
    console.log(`  ${m.name} forward b${batch} [${out.shape}]: ${stats(o)}`);
    r.forward.push(f);
    tf.dispose([x, out]);
  }
  if (m.streamSteps) r.streamSteps = m.streamSteps;

  if (m.training) {
    const { loss, batch } = m.training;
    const x = inputTensor(m, batch);
    const yShape = model.outputs[0].shape.slice(1);
    const n = batch * prod(yShape);
    const yValues = Float32Array.from({ length: n }, (_, i) => (loss === 'binary_crossentropy' ? binaryTarget(i, m.targetSalt) : regressionTarget(i, m.targetSalt)));
    const y = tf.tensor(yValues, [batch, ...yShape], 'float32');
    const { lossValue, gradValues } = lossAndGrads(model, vars, x, y, loss);

    // The loss against a float64 hand computation from the predicted outputs.
    const pred = model.predict(x, { batchSize: batch });
    const predValues = pred.dataSync();
    const f64 = lossF64(loss, predValues, yValues, yShape[yShape.length - 1]);
    if (Math.abs(f64 - lossValue) > 1e-6 * Math.max(1, Math.abs(f64))) throw new Error(`${m.name}: loss ${lossValue} vs float64 ${f64}`);
    if (loss === 'binary_crossentropy') {
      for (const p of predValues) if (p <= KERAS_EPSILON || p >= 1 - KERAS_EPSILON) throw new Error(`${m.name}: probability clipped`);
    }

    let tokenIds = [];
    if (m.tokens) {
      const steps = m.layers[0].shape[0];
      const vocabulary = m.layers[1].inputDim;
      tokenIds = [...new Set(Array.from({ length: steps }, (_, i) => tokenInput(i, m.inputSalt, vocabulary)))];
    }
    const gradients = vars.map((v, k) => gradientEntry(v, gradValues[k], tokenIds));
    for (const [k, v] of vars.entries()) console.log(`  ${m.name} d/d ${v.name}: ${stats(gradValues[k])}`);

    // One Keras 3 Adam step (defaults), then the loss on the same batch.
    const adam = OPTIMIZERS.find((o) => o.name === 'adam');
    const weights = vars.map((v) => Float32Array.from(v.values));
    makeOptimizer(adam, weights.map((w) => w.length), f32).step(weights, gradValues);
    writeValues(vars, weights);
    const after = tf.tidy(() => {
      const out = model.apply(x, { training: true });
      return lossTensor(loss, Array.isArray(out) ? out[0] : out, y).dataSync()[0];
    });
    writeValues(vars, vars.map((v) => v.values));

    r.training = {
      batch,
      loss: { type: loss, keras: LOSSES[loss].keras, reduction: 'sum_over_batch_size', formula: LOSSES[loss].formula },
      lossValue: fmt(lossValue),
      gradients,
      adam: adam.config,
      lossAfterAdamStep: fmt(after),
    };
    console.log(`  ${m.name} ${loss} loss ${lossValue} (float64 ${f64}), after one Adam step ${after}`);
    tf.dispose([x, y, pred]);
  }
  model.dispose();
  console.log(`${m.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

// One top-level key per line; one model per block, one key per line.
function toJson(doc) {
  const block = (o, indent) =>
    '{\n' + Object.entries(o).map(([k, v]) => `${indent}  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n') + `\n${indent}}`;
  const lines = Object.entries(doc).map(([k, v]) => {
    let s;
    if (k === 'models') s = '[\n' + v.map((m) => '    ' + block(m, '    ')).join(',\n') + '\n  ]';
    else if (k === 'formulas') s = block(v, '  ');
    else s = JSON.stringify(v);
    return `  ${JSON.stringify(k)}: ${s}`;
  });
  return '{\n' + lines.join(',\n') + '\n}\n';
}

// ---------------------------------------------------------------------------
await tf.setBackend('cpu');
await tf.ready();
if (tf.getBackend() !== 'cpu') throw new Error('cpu backend not active');
// --update Name,...: recompute only these models and write them into the existing file, keeping the others' entries
// (every model's numbers depend only on its own formulas, so this gives the file a full run gives).
const updateAt = process.argv.indexOf('--update');
if (updateAt >= 0) {
  const names = process.argv[updateAt + 1].split(',');
  const old = JSON.parse(fs.readFileSync(OUT_FILE, 'utf8'));
  const doc = { ...old, engine: ENGINE, formulas: FORMULAS };
  doc.models = MODELS.map((m) => (names.includes(m.name) ? runModel(m) : old.models.find((o) => o.name === m.name) ?? runModel(m)));
  const text = toJson(doc);
  fs.writeFileSync(OUT_FILE, text);
  console.log(`${path.relative(process.cwd(), OUT_FILE)}: ${(text.length / 1024).toFixed(0)} KB (updated ${names.join(', ')})`);
  process.exit(0);
}
const only = process.argv.slice(2);
if (only.length) {
  // Quick look at some models (statistics only); the file is written only when every model runs.
  for (const m of MODELS) if (only.includes(m.name)) runModel(m);
  process.exit(0);
}
const doc = {
  name: 'benchmarks',
  description:
    'Reference numbers for the models of tests/LstmGen.Benchmarks/Models.cs with formula weights and inputs, ' +
    'checked by tests/LstmGen.Benchmarks.Tests',
  engine: ENGINE,
  generator: 'tests/reference/make_benchmark_reference.mjs',
  formulas: FORMULAS,
  models: MODELS.map(runModel),
};
fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
const text = toJson(doc);
fs.writeFileSync(OUT_FILE, text);
console.log(`${path.relative(process.cwd(), OUT_FILE)}: ${(text.length / 1024).toFixed(0)} KB`);
