import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { encodeWav, SAMPLE_RATE } from '../../src/ingest/audio/decode.js';
import type { Turn } from '../../src/ingest/audio/diarize/assign.js';
import { AppError } from '../../src/core/errors.js';
import { DIAR, tmpDir } from '../audio/helpers.js';
import { contractCase, type Skips } from './cases.js';

/**
 * What every diarization engine must give the pipeline: speaker turns for a recording
 * (src/ingest/audio/diarize/assign.ts `Turn`), through `diarizeMedia` (src/ingest/audio/transcribe.ts), the one call both engines sit behind.
 * Run by test/audio/diarize-basic.test.ts and test/audio/diarize-sherpa.test.ts (only with its models).
 */
export const DIARIZATION_CASES = [
  'keeps turns within the recording, each of positive length',
  'orders turns by time and never overlaps one speaker with itself',
  'labels speakers SPEAKER_00, SPEAKER_01, … in order of first appearance',
  'tells two clearly different voices apart',
  'gives the same turns for the same audio',
  'honours a known speaker count',
  'gives no turns for silence',
  'fails with engine_unavailable naming the missing models',
] as const;
export type DiarizationCase = (typeof DIARIZATION_CASES)[number];

export interface DiarizationSetup {
  /** Turns for a 16 kHz-decodable audio file. */
  diarize(file: string, numSpeakers?: number): Promise<Turn[]>;
  /** The engine with its models missing: must reject, naming them. */
  unavailable?: { diarize(file: string): Promise<Turn[]>; names: RegExp };
}

/** Two speakers, 30 s (shared/audio/diarization/sample.rttm). */
const SAMPLE = path.join(DIAR, 'sample.wav');
const SAMPLE_S = 30;

export function diarizationContract(name: string, setup: () => Promise<DiarizationSetup>, skips: Skips<DiarizationCase> = {}): void {
  describe(`diarization contract: ${name}`, () => {
    const test = contractCase<DiarizationCase>(skips, 60_000);
    let env: DiarizationSetup;
    let turns: Promise<Turn[]> | null = null;
    // One run of the sample serves every case that only reads its turns.
    const sample = () => (turns ??= env.diarize(SAMPLE));
    const dir = tmpDir('diar-contract-');
    beforeAll(async () => {
      env = await setup();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('keeps turns within the recording, each of positive length', async () => {
      const ts = await sample();
      expect(ts.length).toBeGreaterThan(0);
      for (const t of ts) {
        expect(t.start).toBeGreaterThanOrEqual(0);
        expect(t.end).toBeGreaterThan(t.start);
        expect(t.end).toBeLessThanOrEqual(SAMPLE_S + 0.05);
      }
    });

    test('orders turns by time and never overlaps one speaker with itself', async () => {
      const ts = await sample();
      for (let i = 1; i < ts.length; i++) expect(ts[i].start).toBeGreaterThanOrEqual(ts[i - 1].start);
      const bySpeaker = new Map<string, Turn[]>();
      for (const t of ts) bySpeaker.set(t.speaker, [...(bySpeaker.get(t.speaker) ?? []), t]);
      for (const [speaker, own] of bySpeaker) {
        for (let i = 1; i < own.length; i++) expect(own[i].start, `${speaker} at ${own[i].start}`).toBeGreaterThanOrEqual(own[i - 1].end);
      }
    });

    test('labels speakers SPEAKER_00, SPEAKER_01, … in order of first appearance', async () => {
      const order = [...new Set((await sample()).map((t) => t.speaker))];
      expect(order).toEqual(order.map((_, i) => `SPEAKER_${String(i).padStart(2, '0')}`));
    });

    test('tells two clearly different voices apart', async () => {
      expect(new Set((await sample()).map((t) => t.speaker)).size).toBe(2);
    });

    test('gives the same turns for the same audio', async () => {
      const first = await sample();
      expect(await env.diarize(SAMPLE)).toEqual(first);
    });

    test('honours a known speaker count', async () => {
      const one = await env.diarize(SAMPLE, 1);
      expect(one.length).toBeGreaterThan(0);
      expect(new Set(one.map((t) => t.speaker))).toEqual(new Set(['SPEAKER_00']));
    });

    test('gives no turns for silence', async () => {
      const file = path.join(dir, 'silence.wav');
      writeFileSync(file, encodeWav(new Float32Array(5 * SAMPLE_RATE)));
      expect(await env.diarize(file)).toEqual([]);
    });

    test('fails with engine_unavailable naming the missing models', async () => {
      const u = env.unavailable;
      expect(u, 'the setup gives the engine without its models').toBeDefined();
      const err = await u!.diarize(SAMPLE).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('engine_unavailable');
      expect((err as AppError).message).toMatch(u!.names);
    });
  });
}
