/**
 * Offline speaker diarization with no downloaded model:
 *  1. MFCCs of the speech frames (VAD regions), normalised over the recording;
 *  2. a 16-component GMM (UBM) fitted on them; each 1.5 s window (hop 0.75 s) becomes the supervector of
 *     its MAP-adapted means (gmm.ts explains why that beats raw MFCC statistics);
 *  3. agglomerative clustering, average linkage on cosine distance, until the closest clusters are further
 *     apart than a threshold — or down to a given speaker count; without a count, clusters are then merged
 *     while ΔBIC on full-covariance Gaussians of their frames says one voice explains both (cosine on
 *     centred supervectors ranks pairs well but is a poor judge of "same speaker" on its own);
 *  4. re-segmentation: one adapted GMM per speaker and a Viterbi pass over the frames with a switch
 *     penalty, so turn boundaries land on 10 ms frames rather than window edges.
 *
 * It is a baseline, not pyannote: good when voices differ clearly, weak on similar voices and blind to
 * overlapped speech. Its input is what the pipeline already has — VAD regions and the MFCCs collected while
 * streaming — and its cost is small. The defaults were tuned on the three 30 s recordings in
 * shared/audio/diarization (scripts/der.ts) and the threshold on the tune half of a synthetic conversation
 * set (scripts/diarization-set.ts, scripts/der-set.ts), so treat them as a starting point, not a
 * calibration for real meetings. Long recordings are clustered on an evenly spaced sample of windows
 * (clustering is quadratic) and the rest join the nearest centroid.
 */
import { toMilliseconds } from '../../../core/index.js';
import type { Region } from '../vad.js';
import { type Turn, mergeTurns, speakerLabel } from './assign.js';
import { DIM, FRAME_S, FrameStore } from './features.js';
import { type Gmm, Gauss, Stats, bicMerge, componentLogLik, fitGmm } from './gmm.js';

export interface BasicDiarizeOptions {
  /** Window length and hop for the embeddings. Defaults 1.5 s and 0.75 s. */
  windowS?: number;
  hopS?: number;
  /** Stop merging when the closest clusters are further apart than this (cosine distance). Default 0.9. */
  threshold?: number;
  /** Known number of speakers: merge until exactly this many (overrides the threshold). */
  numSpeakers?: number;
  /** Upper bound when the count is not known. Default 10. */
  maxSpeakers?: number;
  /** A cluster with less speech than this is folded into the nearest other one. Default 3 s. */
  minSpeakerS?: number;
  /** Viterbi log-likelihood cost of changing speaker between frames. Default 40. 0 = no re-segmentation. */
  switchPenalty?: number;
  /** BIC penalty weight for deciding that two clusters are one speaker. Default 1.5. */
  bicLambda?: number;
  /** MFCCs used by that test. Default 16. */
  bicDims?: number;
  /** UBM components. Default 16. */
  components?: number;
  /** Most windows clustered directly. Default 1500. */
  maxClusterWindows?: number;
}

interface Win {
  start: number;
  end: number;
  v: Float64Array;
}

const frameRange = (r: Region) => [Math.max(0, Math.ceil(r.start / FRAME_S)), Math.floor(r.end / FRAME_S)] as const;

function normalise(v: Float64Array): Float64Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

function cosDist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return 1 - s;
}

/**
 * Average-linkage agglomerative clustering; returns a label per vector. Keeps each row's nearest neighbour
 * so a merge costs O(n) plus rescans of the rows that pointed at the merged pair: about O(n²) overall.
 */
export function agglomerate(vs: Float64Array[], threshold: number, numClusters?: number, maxClusters = Infinity): number[] {
  const n = vs.length;
  const d: Float64Array[] = vs.map((a) => Float64Array.from(vs, (b) => cosDist(a, b)));
  const size = new Array<number>(n).fill(1);
  const alive = new Array<boolean>(n).fill(true);
  const label = Array.from({ length: n }, (_, i) => i);
  const nn = new Int32Array(n).fill(-1);
  const nnd = new Float64Array(n).fill(Infinity);
  const rescan = (i: number) => {
    nn[i] = -1;
    nnd[i] = Infinity;
    for (let j = 0; j < n; j++) if (j !== i && alive[j] && d[i][j] < nnd[i]) ((nnd[i] = d[i][j]), (nn[i] = j));
  };
  for (let i = 0; i < n; i++) rescan(i);
  let clusters = n;
  const target = numClusters && numClusters > 0 ? Math.min(numClusters, n) : 1;
  while (clusters > target) {
    let bi = -1;
    for (let i = 0; i < n; i++) if (alive[i] && nn[i] >= 0 && (bi < 0 || nnd[i] < nnd[bi])) bi = i;
    if (bi < 0) break;
    const bj = nn[bi];
    // Stop at the threshold unless a count was asked for, or there are still more clusters than allowed.
    if (!numClusters && nnd[bi] > threshold && clusters <= maxClusters) break;
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === bi || k === bj) continue;
      d[bi][k] = d[k][bi] = (d[bi][k] * size[bi] + d[bj][k] * size[bj]) / (size[bi] + size[bj]);
    }
    size[bi] += size[bj];
    alive[bj] = false;
    for (let k = 0; k < n; k++) if (label[k] === bj) label[k] = bi;
    clusters--;
    rescan(bi);
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === bi) continue;
      if (nn[k] === bi || nn[k] === bj) rescan(k);
      else if (d[k][bi] < nnd[k]) ((nnd[k] = d[k][bi]), (nn[k] = bi));
    }
  }
  return label;
}

export function diarizeFrames(store: FrameStore, regions: readonly Region[], o: BasicDiarizeOptions = {}): Turn[] {
  const windowS = o.windowS ?? 1.5;
  const hopS = o.hopS ?? 0.75;
  const speech = regions.filter((r) => r.end - r.start >= 0.2 && frameRange(r)[0] < Math.min(store.frames, frameRange(r)[1]));
  if (!speech.length) return [];

  // 1. Normalisation over speech frames.
  const mean = new Float64Array(DIM);
  const sd = new Float64Array(DIM);
  const x = new Float64Array(DIM);
  let count = 0;
  for (const r of speech) {
    const [a, b] = frameRange(r);
    for (let i = a; i < Math.min(b, store.frames); i++, count++) {
      store.get(i, x);
      for (let d = 0; d < DIM; d++) ((mean[d] += x[d]), (sd[d] += x[d] * x[d]));
    }
  }
  for (let d = 0; d < DIM; d++) {
    mean[d] /= count;
    sd[d] = Math.sqrt(Math.max(1e-6, sd[d] / count - mean[d] ** 2));
  }
  const frame = (i: number, out: Float64Array = new Float64Array(DIM)): Float64Array => {
    store.get(i, out);
    for (let d = 0; d < DIM; d++) out[d] = (out[d] - mean[d]) / sd[d];
    return out;
  };

  // 2. UBM on at most 20k evenly spaced speech frames (EM cost is linear in them).
  const step = Math.max(1, Math.floor(count / 20000));
  const train: Float64Array[] = [];
  let seen = 0;
  for (const r of speech) {
    const [a, b] = frameRange(r);
    for (let i = a; i < Math.min(b, store.frames); i++) if (seen++ % step === 0) train.push(frame(i));
  }
  const ubm = fitGmm(train, Math.min(o.components ?? 16, Math.max(2, Math.floor(train.length / 50))));

  // Window supervectors.
  const wins: Win[] = [];
  for (const r of speech) {
    const len = r.end - r.start;
    const starts: number[] = [];
    if (len <= windowS) starts.push(r.start);
    else {
      for (let s = r.start; s + windowS <= r.end + 1e-9; s += hopS) starts.push(s);
      if (starts[starts.length - 1] + windowS < r.end - hopS / 2) starts.push(r.end - windowS);
    }
    for (const s of starts) {
      const st = new Stats(ubm);
      const [a, b] = frameRange({ start: s, end: Math.min(r.end, s + windowS) });
      for (let i = a; i < Math.min(b, store.frames); i++) st.add(frame(i, x));
      wins.push({ start: s, end: Math.min(r.end, s + windowS), v: st.supervector() });
    }
  }
  // Centre on the recording's average voice, then unit length.
  const centre = new Float64Array(wins[0].v.length);
  for (const w of wins) for (let i = 0; i < centre.length; i++) centre[i] += w.v[i] / wins.length;
  for (const w of wins) normalise(w.v.map((v, i) => v - centre[i])).forEach((v, i) => (w.v[i] = v));

  // 3. Clustering (on a sample when there are many windows), then every window to its nearest centroid.
  const every = Math.max(1, Math.ceil(wins.length / (o.maxClusterWindows ?? 1500)));
  const sample = wins.filter((_, i) => i % every === 0);
  const sampleLabels = agglomerate(sample.map((w) => w.v), o.threshold ?? 0.9, o.numSpeakers, o.maxSpeakers ?? 10);
  const centroidOf = (ws: Win[]) => normalise(ws.reduce((acc, w) => (w.v.forEach((v, i) => (acc[i] += v)), acc), new Float64Array(centre.length)));
  let centroids = [...new Set(sampleLabels)].map((id) => centroidOf(sample.filter((_, i) => sampleLabels[i] === id)));
  const nearest = (v: Float64Array) => centroids.reduce((bi, c, i) => (cosDist(v, c) < cosDist(v, centroids[bi]) ? i : bi), 0);
  let labels = wins.map((w) => nearest(w.v));
  // Fold clusters with too little speech (coughs, laughter, a door) into their nearest neighbour.
  for (;;) {
    if (o.numSpeakers) break;
    const dur = centroids.map((_, c) => labels.filter((l) => l === c).length * hopS);
    const small = dur.findIndex((s, c) => s < (o.minSpeakerS ?? 3) && dur.some((t, k) => k !== c && t >= (o.minSpeakerS ?? 3)));
    if (small < 0) break;
    centroids = centroids.filter((_, c) => c !== small);
    labels = wins.map((w) => nearest(w.v));
  }

  // Frame labels (-1 = not speech) from the window whose centre is nearest: a typed array, since a long
  // recording has millions of frames.
  const frameLabel = new Int16Array(store.frames).fill(-1);
  const speechFrames = function* () {
    for (let i = 0; i < frameLabel.length; i++) if (frameLabel[i] >= 0) yield [i, frameLabel[i]] as const;
  };
  let wi = 0;
  for (const r of speech) {
    const [a, b] = frameRange(r);
    for (let i = a; i < Math.min(b, store.frames); i++) {
      const t = i * FRAME_S;
      const mid = (w: Win) => (w.start + w.end) / 2;
      while (wi + 1 < wins.length && Math.abs(mid(wins[wi + 1]) - t) <= Math.abs(mid(wins[wi]) - t)) wi++;
      frameLabel[i] = labels[wi];
    }
  }
  // Cosine distances between centred supervectors say which clusters are closest but not whether they are
  // one voice; ΔBIC on full-covariance Gaussians of their frames decides that (merge while it prefers one).
  if (!o.numSpeakers) {
    // c1..c16: full covariance over all 19 needs more frames than short clusters have.
    const bicDims = Math.min(DIM, o.bicDims ?? 16);
    const gs = Array.from({ length: centroids.length }, () => new Gauss(bicDims));
    for (const [i, l] of speechFrames()) gs[l].add(frame(i, x).subarray(0, bicDims));
    const remap = bicMerge(gs, o.bicLambda ?? 1.5);
    for (const [i, l] of speechFrames()) frameLabel[i] = remap[l];
  }

  // 4. Re-segmentation with per-speaker GMMs.
  const penalty = o.switchPenalty ?? 40;
  // Labels may have holes after merging: Viterbi only among the speakers in use.
  const ids = [...new Set(Array.from(speechFrames(), ([, l]) => l))];
  if (penalty > 0 && ids.length > 1) {
    const st = Array.from({ length: centroids.length }, () => new Stats(ubm));
    for (const [i, l] of speechFrames()) st[l].add(frame(i, x));
    const models = ids.map((l) => st[l].adapted());
    for (const r of speech) viterbi(r, models, ids, penalty, store.frames, frame, frameLabel);
  }

  // Turns, named in order of first appearance.
  const names = new Map<number, string>();
  const name = (l: number) => names.get(l) ?? (names.set(l, speakerLabel(names.size)), names.get(l)!);
  const turns: Turn[] = [];
  for (const r of speech) {
    const [a, bRaw] = frameRange(r);
    const b = Math.min(bRaw, store.frames);
    // Runs of equal labels; the region's own start and end bound its first and last run.
    for (let i = a; i < b; ) {
      let j = i;
      while (j + 1 < b && frameLabel[j + 1] === frameLabel[i]) j++;
      turns.push({ start: i === a ? r.start : i * FRAME_S, end: j === b - 1 ? r.end : (j + 1) * FRAME_S, speaker: name(frameLabel[i]) });
      i = j + 1;
    }
  }
  return mergeTurns(turns).map((t) => ({ ...t, start: toMilliseconds(t.start), end: toMilliseconds(t.end) }));
}

/** Best speaker sequence for one region's frames: per-frame log-likelihood minus `penalty` per switch. */
function viterbi(r: Region, models: Gmm[], ids: number[], penalty: number, frames: number, frame: (i: number, out?: Float64Array) => Float64Array, out: Int16Array): void {
  const [a, bRaw] = frameRange(r);
  const b = Math.min(bRaw, frames);
  const n = b - a;
  const S = models.length;
  if (n <= 0) return;
  const back = new Int8Array(n * S);
  let score = new Float64Array(S);
  const ll = new Float64Array(models[0].mu.length);
  const x = new Float64Array(DIM);
  for (let t = 0; t < n; t++) {
    frame(a + t, x);
    const next = new Float64Array(S);
    let best = 0;
    for (let s = 1; s < S; s++) if (score[s] > score[best]) best = s;
    for (let s = 0; s < S; s++) {
      const stay = score[s];
      const sw = score[best] - penalty;
      const from = t === 0 || stay >= sw || best === s ? s : best;
      back[t * S + s] = from;
      next[s] = (from === s ? stay : sw) + componentLogLik(models[s], x, ll);
    }
    score = next;
  }
  let s = 0;
  for (let k = 1; k < S; k++) if (score[k] > score[s]) s = k;
  for (let t = n - 1; t >= 0; t--) {
    out[a + t] = ids[s];
    s = back[t * S + s];
  }
}

/** Streaming front end: push PCM while decoding, then turns once the VAD regions are known. */
export class BasicDiarizer {
  private readonly store = new FrameStore();
  constructor(private readonly o: BasicDiarizeOptions = {}) {}
  push(pcm: Float32Array): void {
    this.store.push(pcm);
  }
  finish(regions: readonly Region[]): Turn[] {
    return diarizeFrames(this.store, regions, this.o);
  }
}
