import { afterAll, beforeAll, describe, expect } from 'vitest';
import { decodeRange, SAMPLE_RATE } from '../../src/ingest/audio/decode.js';
import type { AsrEngine, AsrResult } from '../../src/ingest/audio/asr/port.js';
import { AppError } from '../../src/core/errors.js';
import { JFK_WAV } from '../audio/helpers.js';
import { contractCase, type Skips } from './cases.js';

/**
 * What every ASR engine must do (src/ingest/audio/asr/port.ts and index.ts). Run by test/audio/asr-pocketsphinx.test.ts
 * (the Debian CLI), test/audio/asr-openai.test.ts (a loopback /audio/transcriptions server) and
 * test/audio/asr-whisper.test.ts (sherpa-onnx; only where a Whisper model directory is present).
 */
export const ASR_CASES = [
  'names its engine and model',
  'finds words in real speech, in order, within the chunk, with times from its first sample',
  'gives no words for silence',
  'rejects at once when the signal is already aborted',
  'stops when the signal aborts mid-chunk, rejecting with its reason',
  'reports a failed request as a typed AppError that carries no credentials',
  'fails at creation with engine_unavailable naming what to install or set',
] as const;
export type AsrCase = (typeof ASR_CASES)[number];

export interface AsrSetup {
  engine: AsrEngine;
  close?(): Promise<void>;
  /** Creates the adapter with its engine or model missing (the creation is expected to reject), and what the error names. */
  unavailable?: { create(): Promise<AsrEngine>; names: RegExp };
  /** The adapter pointed at a failing service, and the secret of its configuration that must not leak. */
  failing?: { engine: AsrEngine; secret: string };
}

/** Seconds of silence before the speech in the speech chunk: word times must count them. */
export const LEAD_S = 1.5;

export function asrContract(name: string, setup: () => Promise<AsrSetup>, skips: Skips<AsrCase> = {}): void {
  describe(`ASR contract: ${name}`, () => {
    const test = contractCase<AsrCase>(skips, 60_000);
    let env: AsrSetup;
    let speech: Float32Array;
    beforeAll(async () => {
      env = await setup();
      // "And so my fellow Americans, ask not": the first 4.5 s of jfk.wav after LEAD_S of silence.
      const jfk = await decodeRange(JFK_WAV, 0, 4.5);
      speech = new Float32Array(jfk.length + LEAD_S * SAMPLE_RATE);
      speech.set(jfk, LEAD_S * SAMPLE_RATE);
    });
    afterAll(async () => {
      await env?.engine?.close?.();
      await env?.close?.();
    });

    test('names its engine and model', () => {
      const e = env.engine;
      expect(e.model.startsWith(`${e.name}:`)).toBe(true);
      expect(e.model.length).toBeGreaterThan(e.name.length + 1);
      expect(e.maxChunkS).toBeGreaterThanOrEqual(30);
      expect(typeof e.punctuated).toBe('boolean');
    });

    test('finds words in real speech, in order, within the chunk, with times from its first sample', async () => {
      const durationS = speech.length / SAMPLE_RATE;
      const r: AsrResult = await env.engine.transcribe(speech, { language: 'en' });
      expect(r.words.length).toBeGreaterThanOrEqual(3);
      expect(r.text.trim()).not.toBe('');
      r.words.forEach((w, i) => {
        expect(w.text, `word ${i}`).toBe(w.text.trim());
        expect(w.text, `word ${i}`).not.toBe('');
        expect(w.start, `word ${i} "${w.text}"`).toBeGreaterThanOrEqual(0);
        expect(w.end, `word ${i} "${w.text}"`).toBeGreaterThanOrEqual(w.start);
        expect(w.end, `word ${i} "${w.text}"`).toBeLessThanOrEqual(durationS);
        if (w.confidence !== undefined) {
          expect(w.confidence).toBeGreaterThanOrEqual(0);
          expect(w.confidence).toBeLessThanOrEqual(1);
        }
        if (i) expect(w.start, `word ${i} "${w.text}"`).toBeGreaterThanOrEqual(r.words[i - 1].start);
      });
      // Nothing is said in the leading silence (a little slack for where an engine puts a word's onset).
      expect(r.words[0].start).toBeGreaterThan(LEAD_S - 0.3);
    });

    test('gives no words for silence', async () => {
      const r = await env.engine.transcribe(new Float32Array(3 * SAMPLE_RATE));
      expect(r.words).toEqual([]);
      expect(r.text.trim()).toBe('');
    });

    test('rejects at once when the signal is already aborted', async () => {
      const ac = new AbortController();
      ac.abort(new Error('client went away'));
      await expect(env.engine.transcribe(speech, { signal: ac.signal })).rejects.toThrow('client went away');
    });

    test('stops when the signal aborts mid-chunk, rejecting with its reason', async () => {
      const ac = new AbortController();
      const t0 = performance.now();
      const p = env.engine.transcribe(speech, { signal: ac.signal });
      setTimeout(() => ac.abort(new Error('cancelled by the job')), 50);
      await expect(p).rejects.toThrow('cancelled by the job');
      expect(performance.now() - t0).toBeLessThan(3000);
    });

    test('reports a failed request as a typed AppError that carries no credentials', async () => {
      const f = env.failing;
      expect(f, 'the setup gives an engine pointed at a failing service').toBeDefined();
      const err = await f!.engine.transcribe(speech).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(AppError);
      expect(['upstream_error', 'engine_unavailable']).toContain((err as AppError).code);
      expect(JSON.stringify({ m: (err as AppError).message, d: (err as AppError).details })).not.toContain(f!.secret);
    });

    test('fails at creation with engine_unavailable naming what to install or set', async () => {
      const u = env.unavailable;
      expect(u, 'the setup gives a way to create the engine without its engine or model').toBeDefined();
      const err = await u!.create().catch((x: unknown) => x);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('engine_unavailable');
      expect((err as AppError).message).toMatch(u!.names);
    });
  });
}
