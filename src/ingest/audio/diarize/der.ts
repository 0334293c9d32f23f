/**
 * Diarization error rate, as NIST md-eval computes it: (missed + false alarm + confusion) / reference speech,
 * over the scored time (UEM, or the extent of reference ∪ hypothesis), excluding a collar of ±`collarS`
 * around every reference turn boundary, with overlapped speech scored. Hypothesis speakers are mapped to
 * reference speakers one-to-one to maximise the time they agree (Hungarian algorithm).
 *
 * Note on collars: md-eval's `-c 0.25` removes 0.25 s on each side of a boundary; pyannote.metrics'
 * `collar=0.5` is the same thing. `collarS` here follows md-eval.
 */
import { readFileSync } from 'node:fs';
import type { Region } from '../vad.js';
import type { Turn } from './assign.js';

export interface DerResult {
  /** Seconds of reference speech scored (counting each overlapping speaker). */
  total: number;
  missed: number;
  falseAlarm: number;
  confusion: number;
  der: number;
  /** Hypothesis speaker → reference speaker. */
  mapping: Record<string, string>;
}

/** `SPEAKER <file> <chan> <start> <dur> <NA> <NA> <speaker> <NA> <NA>` lines, grouped by file. */
export function parseRttm(text: string): Map<string, Turn[]> {
  const out = new Map<string, Turn[]>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'SPEAKER' || f.length < 8) continue;
    const start = Number(f[3]);
    const list = out.get(f[1]) ?? [];
    list.push({ start, end: start + Number(f[4]), speaker: f[7] });
    out.set(f[1], list);
  }
  return out;
}

/** `<file> <chan> <start> <end>` lines. */
export function parseUem(text: string): Map<string, Region[]> {
  const out = new Map<string, Region[]>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const list = out.get(f[0]) ?? [];
    list.push({ start: Number(f[2]), end: Number(f[3]) });
    out.set(f[0], list);
  }
  return out;
}

export const readRttm = (file: string) => parseRttm(readFileSync(file, 'utf8'));
export const readUem = (file: string) => parseUem(readFileSync(file, 'utf8'));

export function toRttm(file: string, turns: readonly Turn[]): string {
  return turns.map((t) => `SPEAKER ${file} 1 ${t.start.toFixed(3)} ${(t.end - t.start).toFixed(3)} <NA> <NA> ${t.speaker} <NA> <NA>`).join('\n') + '\n';
}

/** Maximum-weight one-to-one assignment on a (rows × cols) matrix; returns the column per row or -1. */
export function hungarianMax(w: number[][]): number[] {
  const rows = w.length;
  const cols = rows ? w[0].length : 0;
  const n = Math.max(rows, cols);
  if (n === 0) return [];
  const max = Math.max(0, ...w.flat());
  // Minimise cost = max - weight on a square matrix (padding costs `max`, i.e. weight 0).
  const cost = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => max - (w[i]?.[j] ?? 0)));
  const u = new Array(n + 1).fill(0);
  const v = new Array(n + 1).fill(0);
  const p = new Array(n + 1).fill(0);
  const way = new Array(n + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array(n + 1).fill(Infinity);
    const used = new Array(n + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) ((minv[j] = cur), (way[j] = j0));
        if (minv[j] < delta) ((delta = minv[j]), (j1 = j));
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) ((u[p[j]] += delta), (v[j] -= delta));
        else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const ans = new Array(rows).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j] - 1 < rows && j - 1 < cols && (w[p[j] - 1][j - 1] ?? 0) > 0) ans[p[j] - 1] = j - 1;
  return ans;
}

export function diarizationError(ref: readonly Turn[], hyp: readonly Turn[], o: { collarS?: number; uem?: readonly Region[] } = {}): DerResult {
  const collar = o.collarS ?? 0.25;
  const all = [...ref, ...hyp];
  const uem = o.uem?.length ? o.uem : all.length ? [{ start: Math.min(...all.map((t) => t.start)), end: Math.max(...all.map((t) => t.end)) }] : [];
  const noScore: Region[] = collar > 0 ? ref.flatMap((t) => [t.start, t.end]).map((b) => ({ start: b - collar, end: b + collar })) : [];

  const cuts = new Set<number>();
  for (const t of all) (cuts.add(t.start), cuts.add(t.end));
  for (const r of [...uem, ...noScore]) (cuts.add(r.start), cuts.add(r.end));
  const times = [...cuts].sort((a, b) => a - b);

  const refSpk = [...new Set(ref.map((t) => t.speaker))];
  const hypSpk = [...new Set(hyp.map((t) => t.speaker))];
  const co = refSpk.map(() => hypSpk.map(() => 0));
  const segs: { dur: number; r: number[]; h: number[] }[] = [];
  const active = (turns: readonly Turn[], names: string[], t: number) => [...new Set(turns.filter((x) => x.start <= t && t < x.end).map((x) => names.indexOf(x.speaker)))];
  for (let i = 0; i + 1 < times.length; i++) {
    const a = times[i];
    const b = times[i + 1];
    const m = (a + b) / 2;
    if (!uem.some((u) => u.start <= m && m < u.end) || noScore.some((c) => c.start <= m && m < c.end)) continue;
    const r = active(ref, refSpk, m);
    const h = active(hyp, hypSpk, m);
    segs.push({ dur: b - a, r, h });
    for (const ri of r) for (const hi of h) co[ri][hi] += b - a;
  }
  const assign = hungarianMax(co);
  const mapping: Record<string, string> = {};
  assign.forEach((hi, ri) => hi >= 0 && (mapping[hypSpk[hi]] = refSpk[ri]));

  let total = 0;
  let missed = 0;
  let falseAlarm = 0;
  let confusion = 0;
  for (const s of segs) {
    const nr = s.r.length;
    const nh = s.h.length;
    const correct = s.r.filter((ri) => assign[ri] >= 0 && s.h.includes(assign[ri])).length;
    total += s.dur * nr;
    missed += s.dur * Math.max(0, nr - nh);
    falseAlarm += s.dur * Math.max(0, nh - nr);
    confusion += s.dur * (Math.min(nr, nh) - correct);
  }
  return { total, missed, falseAlarm, confusion, der: total > 0 ? (missed + falseAlarm + confusion) / total : 0, mapping };
}
