/**
 * Diagonal Gaussian mixtures for the offline diarizer: a small background model (UBM) fitted on the
 * recording's own speech, MAP-adapted means per window turned into a "supervector", and per-speaker models
 * for re-segmentation. Comparing windows through the UBM's components is what makes this work at all:
 * raw MFCC means over 1.5 s mostly measure which phonemes were said, while each component's shift measures
 * how this voice says the same sound (the classic GMM-supervector idea, without a trained UBM or i-vectors).
 */
import { rng } from '../../../core/index.js';

export interface Gmm {
  mu: Float64Array[];
  va: Float64Array[];
  w: Float64Array;
  /** log w_k − ½ Σ log(2π σ²): the per-component constant of the log-likelihood. */
  c: Float64Array;
}


function constants(g: Omit<Gmm, 'c'>): Gmm {
  const c = Float64Array.from(g.mu, (_, k) => {
    let s = Math.log(g.w[k] + 1e-12);
    for (const v of g.va[k]) s -= 0.5 * Math.log(2 * Math.PI * v);
    return s;
  });
  return { ...g, c };
}

/** Log-likelihood of x under each component into `ll`; returns log Σ exp (the frame's log-likelihood). */
export function componentLogLik(g: Gmm, x: Float64Array, ll: Float64Array): number {
  let mx = -Infinity;
  for (let k = 0; k < g.mu.length; k++) {
    let s = g.c[k];
    const mu = g.mu[k];
    const va = g.va[k];
    for (let d = 0; d < x.length; d++) {
      const z = x[d] - mu[d];
      s -= (0.5 * z * z) / va[d];
    }
    ll[k] = s;
    if (s > mx) mx = s;
  }
  let tot = 0;
  for (let k = 0; k < ll.length; k++) tot += Math.exp(ll[k] - mx);
  return mx + Math.log(tot);
}

/** Component posteriors of x into `post`. */
export function posteriors(g: Gmm, x: Float64Array, post: Float64Array): void {
  const lse = componentLogLik(g, x, post);
  for (let k = 0; k < post.length; k++) post[k] = Math.exp(post[k] - lse);
}

/** EM on frames X (already normalised), k-means++-style seeding. */
export function fitGmm(X: Float64Array[], K: number, iters = 12, seed = 7): Gmm {
  const D = X[0].length;
  const rand = rng(seed);
  const mu: Float64Array[] = [X[Math.floor(rand() * X.length)].slice()];
  const d2 = new Float64Array(X.length).fill(Infinity);
  while (mu.length < K) {
    const last = mu[mu.length - 1];
    let tot = 0;
    for (let i = 0; i < X.length; i++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += (X[i][d] - last[d]) ** 2;
      d2[i] = Math.min(d2[i], s);
      tot += d2[i];
    }
    let r = rand() * tot;
    let pick = X.length - 1;
    for (let i = 0; i < X.length; i++) if ((r -= d2[i]) <= 0) ((pick = i), (i = X.length));
    mu.push(X[pick].slice());
  }
  let g = constants({ mu, va: mu.map(() => new Float64Array(D).fill(1)), w: new Float64Array(K).fill(1 / K) });
  const post = new Float64Array(K);
  for (let it = 0; it < iters; it++) {
    const N = new Float64Array(K);
    const F = mu.map(() => new Float64Array(D));
    const S = mu.map(() => new Float64Array(D));
    for (const x of X) {
      posteriors(g, x, post);
      for (let k = 0; k < K; k++) {
        const p = post[k];
        if (p < 1e-5) continue;
        N[k] += p;
        for (let d = 0; d < D; d++) {
          F[k][d] += p * x[d];
          S[k][d] += p * x[d] * x[d];
        }
      }
    }
    const nmu = g.mu.map((m) => m.slice());
    const nva = g.va.map((v) => v.slice());
    const nw = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      // A starved component keeps its old parameters rather than collapsing onto one frame.
      if (N[k] < D) {
        nw[k] = Math.max(N[k], 1) / X.length;
        continue;
      }
      nw[k] = N[k] / X.length;
      for (let d = 0; d < D; d++) {
        nmu[k][d] = F[k][d] / N[k];
        nva[k][d] = Math.max(0.01, S[k][d] / N[k] - nmu[k][d] ** 2);
      }
    }
    const ws = nw.reduce((a, b) => a + b, 0);
    g = constants({ mu: nmu, va: nva, w: nw.map((x) => x / ws) });
  }
  return g;
}

/** Zeroth- and first-order statistics of frames against the UBM (what MAP adaptation needs). */
export class Stats {
  readonly N: Float64Array;
  readonly F: Float64Array[];
  private readonly post: Float64Array;
  constructor(private readonly ubm: Gmm) {
    this.N = new Float64Array(ubm.mu.length);
    this.F = ubm.mu.map((m) => new Float64Array(m.length));
    this.post = new Float64Array(ubm.mu.length);
  }
  add(x: Float64Array): void {
    posteriors(this.ubm, x, this.post);
    for (let k = 0; k < this.N.length; k++) {
      const p = this.post[k];
      if (p < 1e-5) continue;
      this.N[k] += p;
      const f = this.F[k];
      for (let d = 0; d < x.length; d++) f[d] += p * x[d];
    }
  }
  /** MAP-adapted mean offsets, scaled by √w/σ so that cosine on them approximates a KL distance. */
  supervector(relevance = 16): Float64Array {
    const { mu, va, w } = this.ubm;
    const D = mu[0].length;
    const v = new Float64Array(mu.length * D);
    for (let k = 0; k < mu.length; k++) {
      const a = this.N[k] / (this.N[k] + relevance);
      for (let d = 0; d < D; d++) {
        const mean = this.N[k] > 0 ? this.F[k][d] / this.N[k] : mu[k][d];
        v[k * D + d] = (Math.sqrt(w[k]) * a * (mean - mu[k][d])) / Math.sqrt(va[k][d]);
      }
    }
    return v;
  }
  /** A speaker model: the UBM with means MAP-adapted to these frames. */
  adapted(relevance = 16): Gmm {
    const { mu, va, w } = this.ubm;
    const nmu = mu.map((m, k) => {
      const a = this.N[k] / (this.N[k] + relevance);
      return Float64Array.from(m, (x, d) => (this.N[k] > 0 ? a * (this.F[k][d] / this.N[k]) + (1 - a) * x : x));
    });
    return constants({ mu: nmu, va, w });
  }
}

/** Sufficient statistics of a full-covariance Gaussian (count, sum, sum of outer products). */
export class Gauss {
  n = 0;
  readonly s: Float64Array;
  readonly ss: Float64Array;
  constructor(readonly dim: number) {
    this.s = new Float64Array(dim);
    this.ss = new Float64Array(dim * dim);
  }
  add(x: Float64Array): void {
    this.n++;
    for (let i = 0; i < this.dim; i++) {
      this.s[i] += x[i];
      for (let j = 0; j <= i; j++) this.ss[i * this.dim + j] += x[i] * x[j];
    }
  }
  merged(o: Gauss): Gauss {
    const g = new Gauss(this.dim);
    g.n = this.n + o.n;
    this.s.forEach((v, i) => (g.s[i] = v + o.s[i]));
    this.ss.forEach((v, i) => (g.ss[i] = v + o.ss[i]));
    return g;
  }
  /** log det of the ML covariance (Cholesky; a small floor keeps near-singular clusters finite). */
  logDet(): number {
    const d = this.dim;
    const c = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) {
        const v = this.ss[i * d + j] / this.n - (this.s[i] / this.n) * (this.s[j] / this.n);
        c[i * d + j] = v + (i === j ? 1e-4 : 0);
      }
    let ld = 0;
    for (let j = 0; j < d; j++) {
      let sum = c[j * d + j];
      for (let k = 0; k < j; k++) sum -= c[j * d + k] ** 2;
      const diag = Math.sqrt(Math.max(sum, 1e-12));
      c[j * d + j] = diag;
      ld += 2 * Math.log(diag);
      for (let i = j + 1; i < d; i++) {
        let v = c[i * d + j];
        for (let k = 0; k < j; k++) v -= c[i * d + k] * c[j * d + k];
        c[i * d + j] = v / diag;
      }
    }
    return ld;
  }
}

/**
 * ΔBIC of modelling a and b as one Gaussian rather than two (Chen & Gopalakrishnan, 1998): negative when
 * one voice explains both about as well, given the penalty for the extra model's parameters.
 */
export function deltaBic(a: Gauss, b: Gauss, lambda = 1): number {
  const m = a.merged(b);
  const d = a.dim;
  const p = 0.5 * (d + (d * (d + 1)) / 2) * Math.log(m.n);
  return 0.5 * (m.n * m.logDet() - a.n * a.logDet() - b.n * b.logDet()) - lambda * p;
}

/** Greedily merges the pair with the lowest ΔBIC while it is negative. Returns old index → kept index. */
export function bicMerge(gs: Gauss[], lambda = 1): number[] {
  const map = gs.map((_, i) => i);
  const live = new Map(gs.map((g, i) => [i, g] as const));
  for (;;) {
    let best: [number, number, number] | null = null;
    const ids = [...live.keys()].filter((i) => live.get(i)!.n > 0);
    for (let x = 0; x < ids.length; x++)
      for (let y = x + 1; y < ids.length; y++) {
        const v = deltaBic(live.get(ids[x])!, live.get(ids[y])!, lambda);
        if (!best || v < best[2]) best = [ids[x], ids[y], v];
      }
    if (!best || best[2] >= 0) break;
    const [i, j] = best;
    live.set(i, live.get(i)!.merged(live.get(j)!));
    live.delete(j);
    for (let k = 0; k < map.length; k++) if (map[k] === j) map[k] = i;
  }
  return map;
}
