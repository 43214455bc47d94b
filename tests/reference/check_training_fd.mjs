// Independent float64 check of the training references, without tfjs.
//
//   node check_training_fd.mjs            (after make_training_reference.mjs)
//   node check_training_fd.mjs grad_gru   (files starting with these prefixes; no report written)
//
// A plain-JS float64 forward pass of the layer vocabulary (Keras semantics:
// masking carries h, c and the previous output; goBackwards outputs in
// processing order; Bidirectional flips the backward sequence back) is run on
// every ../LstmGen.Tests/Reference/Training/*.json file:
//   - gradient / loss files: forward output and loss value vs the JSON, and
//     every weight and input gradient vs central finite differences of the
//     float64 loss (h = 1e-6; tensors with more than 400 values are
//     subsampled with a fixed stride);
//   - optimizer files of small models: the 3 steps replayed in float64 with
//     finite-difference gradients and the same Keras 3 update rules; compares
//     lossBefore and weightsAfter.
// Writes the table to ../LstmGen.Tests/Reference/Training/fd-check.txt and
// exits 1 if a tolerance is exceeded.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lossF64, OPTIMIZERS, makeOptimizer, KERAS_ACTIVATIONS_F64 } from './training_common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REF_DIR = path.resolve(HERE, '../LstmGen.Tests/Reference');
const DIR = path.join(REF_DIR, 'Training');
const REPORT = path.join(DIR, 'fd-check.txt');
const H = 1e-6;
const KINK_MARGIN = 5e-3; // smallest allowed distance of an activation input to a kink (elu's derivative is continuous: not checked)
// Cases of the first reference set with an input closer to a relu kink (reported in the table's "kink" column).
const KINK_MARGIN_EXEMPT = new Set(['grad_dense_softmax_seq', 'grad_lstm_activations']);
const MAX_PER_TENSOR = 400;
const REL_FLOOR = 1e-4; // relative errors are reported for |g| >= REL_FLOOR
const TOL_REL = 1e-3; // max relative error (|g| >= REL_FLOOR)
const TOL_NORM = 1e-4; // ||g_tfjs - g_fd|| / ||g_fd||
const TOL_OPT = 1e-5; // optimizer replay: max |diff| of the weights after 3 steps

// ---------------------------------------------------------------------------
// float64 forward pass. Tensors are nested arrays: [B][D] or [B][T][D].
// ---------------------------------------------------------------------------
const ACT = KERAS_ACTIVATIONS_F64;

// Kink coverage: the activations with kinks, and where. During one unperturbed
// forward pass per file, every place an activation is applied (a layer's
// activation, a recurrent layer's activation or recurrent activation, per
// direction) records which of the pieces between its kinks its inputs fell in.
const KINKS = { relu: [0], elu: [0], selu: [0], leaky_relu: [0], hard_sigmoid: [-3, 3], hard_sigmoid_keras2: [-2.5, 2.5] };
let coverage = null; // Map site -> { act, pieces: Set }
function act(name, site) {
  const f = ACT[name];
  if (!f) throw new Error(`activation ${name}`);
  if (!coverage || !KINKS[name]) return f;
  return (x) => {
    if (!KINKS[name].includes(x)) {
      let e = coverage.get(site);
      if (!e) coverage.set(site, (e = { act: name, pieces: new Set(), nearest: Infinity }));
      e.pieces.add(KINKS[name].filter((k) => x > k).length);
      for (const k of KINKS[name]) e.nearest = Math.min(e.nearest, Math.abs(x - k));
    }
    return f(x);
  };
}
function applyAct(name, v, site) {
  if (name === 'softmax') {
    const mx = Math.max(...v);
    const e = v.map((x) => Math.exp(x - mx));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  }
  return v.map(act(name, site));
}
const is3d = (x) => Array.isArray(x[0][0]);

class W {
  constructor(list) {
    this.list = list;
    this.pos = 0;
  }
  take(name, shape) {
    const w = this.list[this.pos++];
    if (!w || w.name !== name) throw new Error(`weight ${w && w.name}, expected ${name}`);
    if (w.shape.join() !== shape.join()) throw new Error(`${name} shape`);
    return w;
  }
}
const at2 = (w, i, j) => w.values[i * w.shape[1] + j];

function denseVec(v, k, b, activation, units, site) {
  const out = new Array(units);
  for (let j = 0; j < units; j++) {
    let s = b ? b.values[j] : 0;
    for (let i = 0; i < v.length; i++) s += v[i] * at2(k, i, j);
    out[j] = s;
  }
  return applyAct(activation, out, site);
}
function denseAny(x, d, prefix, ws) {
  const inDim = is3d(x) ? x[0][0].length : x[0].length;
  const k = ws.take(`${prefix}/kernel`, [inDim, d.units]);
  const b = d.useBias ? ws.take(`${prefix}/bias`, [d.units]) : null;
  const f = (v) => denseVec(v, k, b, d.activation, d.units, `${prefix} activation`);
  return is3d(x) ? x.map((s) => s.map(f)) : x.map(f);
}
const mapLast = (x, f) => (is3d(x) ? x.map((s) => s.map(f)) : x.map(f));
const GATES = { lstm: 4, gru: 3, simpleRnn: 1 };
function rnnWeights(d, prefix, ws, inDim) {
  const u = d.units;
  const g = GATES[d.type];
  const biasShape = d.type === 'gru' && d.resetAfter ? [2, 3 * u] : [g * u];
  return {
    k: ws.take(`${prefix}/kernel`, [inDim, g * u]),
    r: ws.take(`${prefix}/recurrent_kernel`, [u, g * u]),
    b: d.useBias ? ws.take(`${prefix}/bias`, biasShape) : null,
    site: prefix,
  };
}
function rnnRun(x, mask, d, p, goBackwards) {
  if (d.type === 'lstm') return lstmRun(x, mask, d, p, goBackwards);
  if (d.type === 'gru') return gruRun(x, mask, d, p, goBackwards);
  if (d.type === 'simpleRnn') return simpleRnnRun(x, mask, d, p, goBackwards);
  throw new Error(`layer ${d.type}`);
}
// One recurrent layer over a batch with Keras 2 masking (a masked step carries
// the state; its output is the previous output). step(x_t, state) -> state;
// the state's first array is h. Returns { seq (processing order), h, c }.
function recurrence(x, mask, goBackwards, init, step) {
  const seqs = [], hs = [], cs = [];
  for (let bi = 0; bi < x.length; bi++) {
    let xs = x[bi];
    let ms = mask ? mask[bi] : null;
    if (goBackwards) {
      xs = [...xs].reverse();
      ms = ms ? [...ms].reverse() : null;
    }
    let st = init();
    const outs = [];
    for (let t = 0; t < xs.length; t++) {
      const next = step(xs[t], st);
      if (!ms || ms[t]) st = next;
      outs.push(st[0]);
    }
    seqs.push(outs);
    hs.push(st[0]);
    cs.push(st[1]);
  }
  return { seq: seqs, h: hs, c: cs };
}
// Keras's GRUCell (keras/src/layers/rnn/gru.py): gates z, r, h; reset_after
// applies r to the recurrent product (bias (2, 3u)), else to h before it.
function gruRun(x, mask, d, p, goBackwards) {
  const u = d.units;
  const a = act(d.activation, `${p.site} activation`);
  const ra = act(d.recurrentActivation, `${p.site} recurrent_activation`);
  const bx = (j) => (p.b ? p.b.values[j] : 0);
  const bh = (j) => (p.b && d.resetAfter ? p.b.values[3 * u + j] : 0);
  return recurrence(x, mask, goBackwards, () => [new Array(u).fill(0)], (xt, [h]) => {
    const mx = new Array(3 * u), mh = new Array(3 * u);
    for (let j = 0; j < 3 * u; j++) {
      let s = bx(j);
      for (let i = 0; i < xt.length; i++) s += xt[i] * at2(p.k, i, j);
      mx[j] = s;
      let q = bh(j);
      if (d.resetAfter || j < 2 * u) for (let i = 0; i < u; i++) q += h[i] * at2(p.r, i, j);
      mh[j] = q;
    }
    const z = new Array(u), r = new Array(u);
    for (let j = 0; j < u; j++) {
      z[j] = ra(mx[j] + mh[j]);
      r[j] = ra(mx[u + j] + mh[u + j]);
    }
    const hn = new Array(u);
    for (let j = 0; j < u; j++) {
      let rec;
      if (d.resetAfter) rec = r[j] * mh[2 * u + j];
      else {
        rec = 0;
        for (let i = 0; i < u; i++) rec += r[i] * h[i] * at2(p.r, i, 2 * u + j);
      }
      const hh = a(mx[2 * u + j] + rec);
      hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
    }
    return [hn];
  });
}
function simpleRnnRun(x, mask, d, p, goBackwards) {
  const u = d.units;
  const a = act(d.activation, `${p.site} activation`);
  return recurrence(x, mask, goBackwards, () => [new Array(u).fill(0)], (xt, [h]) => {
    const hn = new Array(u);
    for (let j = 0; j < u; j++) {
      let s = p.b ? p.b.values[j] : 0;
      for (let i = 0; i < xt.length; i++) s += xt[i] * at2(p.k, i, j);
      for (let i = 0; i < u; i++) s += h[i] * at2(p.r, i, j);
      hn[j] = a(s);
    }
    return [hn];
  });
}
// Returns { seq (processing order), h, c } per batch row.
function lstmRun(x, mask, d, p, goBackwards) {
  const u = d.units;
  const a = act(d.activation, `${p.site} activation`);
  const ra = act(d.recurrentActivation, `${p.site} recurrent_activation`);
  const seqs = [], hs = [], cs = [];
  for (let bi = 0; bi < x.length; bi++) {
    let xs = x[bi];
    let ms = mask ? mask[bi] : null;
    if (goBackwards) {
      xs = [...xs].reverse();
      ms = ms ? [...ms].reverse() : null;
    }
    let h = new Array(u).fill(0);
    let c = new Array(u).fill(0);
    const outs = [];
    for (let t = 0; t < xs.length; t++) {
      const z = new Array(4 * u);
      for (let j = 0; j < 4 * u; j++) {
        let s = p.b ? p.b.values[j] : 0;
        for (let i = 0; i < xs[t].length; i++) s += xs[t][i] * at2(p.k, i, j);
        for (let i = 0; i < u; i++) s += h[i] * at2(p.r, i, j);
        z[j] = s;
      }
      const cn = new Array(u), hn = new Array(u);
      for (let j = 0; j < u; j++) {
        const ig = ra(z[j]), fg = ra(z[u + j]), g = a(z[2 * u + j]), og = ra(z[3 * u + j]);
        cn[j] = fg * c[j] + ig * g;
        hn[j] = og * a(cn[j]);
      }
      if (!ms || ms[t]) {
        h = hn;
        c = cn;
      }
      outs.push(h);
    }
    seqs.push(outs);
    hs.push(h);
    cs.push(c);
  }
  return { seq: seqs, h: hs, c: cs };
}

const KERAS_BASE = {
  dense: 'dense', lstm: 'lstm', embedding: 'embedding', bidirectional: 'bidirectional', timeDistributed: 'time_distributed',
  repeatVector: 'repeat_vector', sliceLast: 'lambda', zeroPadding1d: 'zero_padding1d', gru: 'gru', simpleRnn: 'simple_rnn',
  activation: 'activation', dropout: 'dropout', spatialDropout1d: 'spatial_dropout1d',
};
function namer() {
  const n = {};
  return (t) => {
    const b = KERAS_BASE[t];
    const k = n[b] ?? 0;
    n[b] = k + 1;
    return k === 0 ? b : `${b}_${k}`;
  };
}

// Returns the main output, flattened row-major, and the final states of a
// ReturnState last layer ([h, c] or [h], each flattened).
function forward64(c, weights, inputFlat) {
  const [inDesc, ...rest] = c.layers;
  const shape = inDesc.shape;
  let x;
  const row = (lo, n) => Array.from({ length: n }, (_, i) => inputFlat[lo + i]);
  if (shape.length === 1) x = Array.from({ length: c.batch }, (_, b) => row(b * shape[0], shape[0]));
  else x = Array.from({ length: c.batch }, (_, b) => Array.from({ length: shape[0] }, (_, t) => row((b * shape[0] + t) * shape[1], shape[1])));
  const ws = new W(weights);
  const nameOf = namer();
  let mask = null;
  let states = null;
  for (const d of rest) {
    switch (d.type) {
      case 'dense':
        x = denseAny(x, d, nameOf('dense'), ws);
        break;
      case 'timeDistributed':
        nameOf('dense');
        x = denseAny(x, d.layer, nameOf('timeDistributed'), ws);
        break;
      case 'embedding': {
        const e = ws.take(`${nameOf('embedding')}/embeddings`, [d.inputDim, d.outputDim]);
        mask = d.maskZero ? x.map((r) => r.map((t) => t !== 0)) : null;
        x = x.map((r) => r.map((t) => Array.from(e.values.subarray(t * d.outputDim, (t + 1) * d.outputDim))));
        break;
      }
      case 'repeatVector':
        nameOf('repeatVector');
        x = x.map((v) => Array.from({ length: d.n }, () => v));
        mask = null;
        break;
      case 'sliceLast':
        nameOf('sliceLast');
        x = x.map((s) => s.slice(s.length - d.n));
        break;
      case 'zeroPadding1d':
        nameOf('zeroPadding1d');
        x = x.map((s) => [
          ...Array.from({ length: d.left }, () => new Array(s[0].length).fill(0)),
          ...s,
          ...Array.from({ length: d.right }, () => new Array(s[0].length).fill(0)),
        ]);
        break;
      case 'lstm':
      case 'gru':
      case 'simpleRnn': {
        const p = rnnWeights(d, nameOf(d.type), ws, x[0][0].length);
        const r = rnnRun(x, mask, d, p, d.goBackwards);
        x = d.returnSequences ? r.seq : r.h;
        if (!d.returnSequences) mask = null;
        if (d.returnState) states = d.type === 'lstm' ? [r.h, r.c] : [r.h];
        break;
      }
      case 'activation': {
        const n = nameOf('activation');
        x = mapLast(x, (v) => applyAct(d.activation, v, `${n} activation`));
        break;
      }
      case 'dropout':
      case 'spatialDropout1d':
        // The identity: only files computed in inference mode ("training": false) have dropout layers.
        if (c.training !== false && c.kind !== undefined) throw new Error(`${c.name}: dropout layer in a training-mode file`);
        nameOf(d.type);
        break;
      case 'bidirectional': {
        const inner = d.layer;
        const ln = nameOf(inner.type);
        const bn = nameOf('bidirectional');
        const inDim = x[0][0].length;
        const pf = rnnWeights(inner, `${bn}/forward_${ln}`, ws, inDim);
        const pb = rnnWeights(inner, `${bn}/backward_${ln}`, ws, inDim);
        const f = rnnRun(x, mask, inner, pf, inner.goBackwards);
        const b = rnnRun(x, mask, inner, pb, !inner.goBackwards);
        let yf, yb;
        if (inner.returnSequences) {
          yf = f.seq;
          yb = b.seq.map((s) => [...s].reverse());
        } else {
          yf = f.h;
          yb = b.h;
          mask = null;
        }
        const merge = {
          concat: (p, q) => [...p, ...q],
          sum: (p, q) => p.map((v, i) => v + q[i]),
          mul: (p, q) => p.map((v, i) => v * q[i]),
          ave: (p, q) => p.map((v, i) => (v + q[i]) * 0.5),
        }[d.mergeMode];
        x = inner.returnSequences ? yf.map((s, bi) => s.map((v, t) => merge(v, yb[bi][t]))) : yf.map((v, bi) => merge(v, yb[bi]));
        break;
      }
      default:
        throw new Error(`layer ${d.type}`);
    }
  }
  if (ws.pos !== weights.length) throw new Error('unused weights');
  return { out: x.flat(2), states: states && states.map((s) => s.flat()) };
}

function loss64(c, weights, input) {
  const { out, states } = forward64(c, weights, input);
  if (c.loss.type !== 'per_output') {
    const k = c.outputShape[c.outputShape.length - 1];
    return { out, states, loss: lossF64(c.loss.type, out, c.target, k) };
  }
  // A loss per output: targets per sample [output | h | c]; the sum of each output's MSE.
  const outputs = [out, ...states];
  const per = outputs.map((o) => o.length / c.batch);
  const stride = per.reduce((a, b) => a + b, 0);
  let loss = 0, offset = 0;
  outputs.forEach((o, i) => {
    const t = [];
    for (let b = 0; b < c.batch; b++) t.push(...c.target.slice(b * stride + offset, b * stride + offset + per[i]));
    const width = c.targetShapes[i][c.targetShapes[i].length - 1];
    if (c.loss.losses[i] !== 'mse') throw new Error(`${c.name}: loss ${c.loss.losses[i]}`);
    loss += lossF64('mse', o, t, width);
    offset += per[i];
  });
  return { out, states, loss };
}

// ---------------------------------------------------------------------------
// Finite differences
// ---------------------------------------------------------------------------
function indices(n) {
  if (n <= MAX_PER_TENSOR) return Array.from({ length: n }, (_, i) => i);
  const stride = Math.ceil(n / MAX_PER_TENSOR);
  const idx = [];
  for (let i = 0; i < n; i += stride) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}
function fdGrad(f, arr, idx) {
  return idx.map((i) => {
    const v = arr[i];
    arr[i] = v + H;
    const lp = f();
    arr[i] = v - H;
    const lm = f();
    arr[i] = v;
    return (lp - lm) / (2 * H);
  });
}
function weights64(list) {
  return list.map((w) => ({ name: w.name, shape: w.shape, values: Float64Array.from(w.values) }));
}

class Stats {
  constructor() {
    this.maxAbs = 0;
    this.maxRel = 0;
    this.num = 0;
    this.den = 0;
    this.n = 0;
  }
  add(tf, fd) {
    const d = Math.abs(tf - fd);
    this.maxAbs = Math.max(this.maxAbs, d);
    const m = Math.max(Math.abs(tf), Math.abs(fd));
    if (m >= REL_FLOOR) this.maxRel = Math.max(this.maxRel, d / m);
    this.num += d * d;
    this.den += fd * fd;
    this.n++;
  }
  get normRel() {
    return this.den > 0 ? Math.sqrt(this.num / this.den) : Math.sqrt(this.num);
  }
}

function checkGradientFile(c) {
  const weights = weights64(c.weights ?? JSON.parse(fs.readFileSync(path.join(DIR, c.weightsFrom), 'utf8')).weights);
  const input = c.inputIsTokens ? c.input.slice() : Float64Array.from(c.input);
  coverage = new Map();
  const { out, states, loss } = loss64(c, weights, input);
  const sites = coverage;
  coverage = null;
  // Kink coverage: every place a kinked activation is applied must see inputs in every piece between its kinks, none
  // closer to a kink than KINK_MARGIN (finite differences in float32, as the C# gradient checks take them, would
  // straddle it).
  const missing = [];
  let nearest = Infinity;
  for (const [site, e] of sites) {
    const pieces = KINKS[e.act].length + 1;
    if (e.pieces.size !== pieces) missing.push(`${site} (${e.act}: ${e.pieces.size} of ${pieces} pieces)`);
    if (e.nearest < KINK_MARGIN && e.act !== 'elu' && !KINK_MARGIN_EXEMPT.has(c.name)) missing.push(`${site} (${e.act}: an input ${e.nearest.toExponential(2)} from a kink)`);
    nearest = Math.min(nearest, e.nearest);
  }
  let outDiff = out.reduce((m, v, i) => Math.max(m, Math.abs(v - c.output[i])), 0);
  if (c.kind === 'multiOutput') {
    [c.stateH, c.stateC].slice(0, states.length).forEach((want, k) => {
      outDiff = Math.max(outDiff, states[k].reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0));
    });
  }
  const lossRel = Math.abs(loss - c.lossValue) / Math.abs(loss);
  const f = () => loss64(c, weights, input).loss;
  const st = new Stats();
  weights.forEach((w, k) => {
    const idx = indices(w.values.length);
    const fd = fdGrad(f, w.values, idx);
    const g = c.gradients[k];
    if (g.name !== w.name) throw new Error('gradient order');
    idx.forEach((i, j) => st.add(g.values[i], fd[j]));
  });
  let nIn = 0;
  if (!c.inputIsTokens) {
    const idx = indices(input.length);
    const fd = fdGrad(f, input, idx);
    idx.forEach((i, j) => st.add(c.inputGradient[i], fd[j]));
    nIn = idx.length;
  } else if (c.inputGradient !== null) throw new Error('token model with an input gradient');
  return { outDiff, lossRel, st, nIn, sites: sites.size, missing, nearest };
}

function checkOptimizerFile(c) {
  const w0 = c.weights ?? JSON.parse(fs.readFileSync(path.join(DIR, c.weightsFrom), 'utf8')).weights;
  const weights = weights64(w0);
  const input = c.inputIsTokens ? c.input.slice() : Float64Array.from(c.input);
  const opt = OPTIMIZERS.find((o) => o.name === c.optimizer.name);
  if (JSON.stringify(opt.config) !== JSON.stringify(c.optimizer.config)) throw new Error('config mismatch');
  const optimizer = makeOptimizer(opt, weights.map((w) => w.values.length), (v) => v);
  const f = () => loss64(c, weights, input).loss;
  let lossDiff = 0;
  for (let s = 0; s < c.optimizer.steps; s++) {
    const l = f();
    lossDiff = Math.max(lossDiff, Math.abs(l - c.optimizer.lossBefore[s]) / Math.abs(l));
    const grads = weights.map((w) => fdGrad(f, w.values, Array.from({ length: w.values.length }, (_, i) => i)));
    optimizer.step(weights.map((w) => w.values), grads);
  }
  let wDiff = 0, moved = 0;
  weights.forEach((w, k) => {
    const after = c.optimizer.weightsAfter[k];
    w.values.forEach((v, i) => {
      wDiff = Math.max(wDiff, Math.abs(v - after.values[i]));
      moved = Math.max(moved, Math.abs(after.values[i] - w0[k].values[i]));
    });
  });
  return { lossDiff, wDiff, moved };
}

// ---------------------------------------------------------------------------
// Arguments: file name prefixes to check only those (the report file is then not written).
const only = process.argv.slice(2);
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json') && (only.length === 0 || only.some((o) => f.startsWith(o)))).sort();
const lines = [
  `Float64 finite-difference check of the tfjs training references (central differences, h = ${H}).`,
  `Gradient columns: n = values compared (tensors > ${MAX_PER_TENSOR} values subsampled), max |diff|, max rel = max |g_tfjs - g_fd| / max(|g_tfjs|, |g_fd|)`,
  `over values with max(|g_tfjs|, |g_fd|) >= ${REL_FLOOR}, norm rel = ||g_tfjs - g_fd|| / ||g_fd||. output = max |diff| of the float64 forward pass vs the JSON output;`,
  `loss rel = relative diff of the float64 loss vs lossValue. Tolerances: max rel ${TOL_REL}, norm rel ${TOL_NORM}.`,
  '',
  `kinks = places a kinked activation (relu, elu, selu, leaky_relu at 0; hard_sigmoid at ±3, hard_sigmoid_keras2 at ±2.5) is applied whose inputs`,
  `fall in every piece between its kinks, none closer than ${KINK_MARGIN} to a kink (elu aside: its derivative is continuous) / all such places`,
  `(one per layer activation, recurrent activation and direction); nearest = the smallest distance of such an input to a kink.`,
  `Exempt from the distance (first reference set, before this check): ${[...KINK_MARGIN_EXEMPT].join(', ')}.`,
  '',
  `${'case'.padEnd(44)} ${'n'.padStart(5)} ${'output'.padStart(9)} ${'loss rel'.padStart(9)} ${'max |diff|'.padStart(10)} ${'max rel'.padStart(9)} ${'norm rel'.padStart(9)} ${'kinks'.padStart(6)} ${'nearest'.padStart(8)}  status`,
];
let failed = 0;
let worstRel = 0, worstNorm = 0, worstName = '';
const optLines = [];
const kinkLines = [];
for (const f of files) {
  const c = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
  if (c.kind === 'optimizer') {
    if (c.weights == null) continue; // large model: covered by the torch cross-check
    const r = checkOptimizerFile(c);
    const ok = r.wDiff <= TOL_OPT && r.lossDiff <= 1e-5;
    if (!ok) failed++;
    optLines.push(`${c.name.padEnd(44)} ${r.lossDiff.toExponential(2).padStart(9)} ${r.wDiff.toExponential(2).padStart(12)} ${r.moved.toExponential(2).padStart(12)}  ${ok ? 'ok' : 'FAIL'}`);
    continue;
  }
  const r = checkGradientFile(c);
  const kinksOk = r.missing.length === 0;
  const ok = r.st.maxRel <= TOL_REL && r.st.normRel <= TOL_NORM && r.outDiff <= 1e-6 && r.lossRel <= 1e-6 && kinksOk;
  if (r.missing.length) kinkLines.push(`${c.name.padEnd(44)} FAIL: ${r.missing.join('; ')}`);
  if (!ok) failed++;
  if (r.st.maxRel > worstRel) {
    worstRel = r.st.maxRel;
    worstName = c.name;
  }
  worstNorm = Math.max(worstNorm, r.st.normRel);
  lines.push(
    `${c.name.padEnd(44)} ${String(r.st.n).padStart(5)} ${r.outDiff.toExponential(2).padStart(9)} ${r.lossRel.toExponential(2).padStart(9)} ${r.st.maxAbs.toExponential(2).padStart(10)} ${r.st.maxRel.toExponential(2).padStart(9)} ${r.st.normRel.toExponential(2).padStart(9)} ${`${r.sites - r.missing.length}/${r.sites}`.padStart(6)} ${(Number.isFinite(r.nearest) ? r.nearest.toExponential(1) : '-').padStart(8)}  ${ok ? 'ok' : 'FAIL'}`,
  );
}
lines.push('', `max rel ${worstRel.toExponential(2)} (${worstName}), max norm rel ${worstNorm.toExponential(2)}`, '');
lines.push('Places of kinked activations whose inputs miss a piece:', ...(kinkLines.length ? kinkLines : ['none']), '');
lines.push(
  'Optimizer replay in float64 (finite-difference gradients, same Keras 3 update rules, no float32 rounding); small models only.',
  `loss rel = max relative diff of lossBefore; weights = max |diff| of weightsAfter; moved = max |weightsAfter - initial| (tolerance ${TOL_OPT}).`,
  '',
  `${'case'.padEnd(44)} ${'loss rel'.padStart(9)} ${'weights'.padStart(12)} ${'moved'.padStart(12)}  status`,
  ...optLines,
  '',
  `${failed} failed`,
);
const text = lines.join('\n') + '\n';
if (only.length === 0) fs.writeFileSync(REPORT, text);
process.stdout.write(text);
process.exit(failed ? 1 : 0);
