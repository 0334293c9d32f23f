/**
 * The ASR port: one call per chunk of 16 kHz mono PCM, words with times relative to the chunk's first sample.
 * Adapters (pocketsphinx, whisper, openai) hide how an engine is run; the pipeline only sees this interface.
 */
import { type Word, toMilliseconds } from '../../../core/index.js';

export type AsrEngineName = 'pocketsphinx' | 'whisper' | 'openai';
export const ASR_ENGINES: readonly AsrEngineName[] = ['pocketsphinx', 'whisper', 'openai'];

export interface AsrOptions {
  /** ISO 639-1 code; engines that cannot switch language ignore it. */
  language?: string;
  signal?: AbortSignal;
}

export interface AsrResult {
  /** Seconds relative to the chunk start; `confidence` in [0, 1] when the engine reports one. */
  words: Word[];
  text: string;
}

export interface AsrEngine {
  readonly name: AsrEngineName;
  /** A short id of engine + model, recorded with the transcript (e.g. `pocketsphinx:en-us`). */
  readonly model: string;
  /** True when words carry punctuation and casing (sentence splitting can use it). */
  readonly punctuated: boolean;
  /** Longest chunk the engine accepts in one call, seconds (the planner keeps core + overlaps under it). */
  readonly maxChunkS: number;
  transcribe(pcm: Float32Array, opts?: AsrOptions): Promise<AsrResult>;
  /** Frees native resources; the engine is unusable afterwards. */
  close?(): Promise<void>;
}

/**
 * Spreads words evenly over [start, end] weighted by their length: the fallback when an engine returns text
 * without word times. Such words carry confidence 0.5 at most, so they read as approximate downstream.
 */
export function spreadWords(texts: string[], start: number, end: number, confidence = 0.5): Word[] {
  const weights = texts.map((t) => Math.max(1, t.replace(/[^\p{L}\p{N}]/gu, '').length));
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const span = Math.max(0, end - start);
  let t = start;
  return texts.map((text, i) => {
    const d = (span * weights[i]) / total;
    const w: Word = { start: toMilliseconds(t), end: toMilliseconds(t + d), text, confidence };
    t += d;
    return w;
  });
}

/** Sorts, drops empty words, clamps times into [0, durationS] and makes end >= start. */
export function tidyWords(words: Word[], durationS: number): Word[] {
  return words
    .filter((w) => w.text.trim() !== '' && Number.isFinite(w.start) && Number.isFinite(w.end))
    .map((w) => {
      const start = toMilliseconds(Math.min(Math.max(0, w.start), durationS));
      const end = toMilliseconds(Math.min(Math.max(start, w.end), durationS));
      return { ...w, text: w.text.trim(), start, end };
    })
    .sort((a, b) => a.start - b.start || a.end - b.end);
}
