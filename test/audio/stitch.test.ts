import { describe, expect, it } from 'vitest';
import type { AsrResult } from '../../src/ingest/audio/asr/port.js';
import { type Chunk, planChunks } from '../../src/ingest/audio/chunk.js';
import { GAP_TEXT, type ChunkOutcome, confidentBoundary, stitch } from '../../src/ingest/audio/stitch.js';
import type { Word } from '../../src/core/domain.js';

/** A ground-truth word stream: continuous speech, words of 0.2–0.5 s with short gaps, numbered text. */
function truth(durationS: number, seed = 3): Word[] {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647), s / 2147483647);
  const out: Word[] = [];
  let t = 0.3;
  while (t < durationS - 0.6) {
    const len = 0.2 + rnd() * 0.3;
    out.push({ start: +t.toFixed(3), end: +(t + len).toFixed(3), text: `w${out.length}`, confidence: 0.9 });
    t += len + (rnd() < 0.3 ? 0.05 + rnd() * 0.2 : 0.01);
  }
  return out;
}

/**
 * What an engine would return for one chunk: the words it hears, relative to the chunk, with a little timing
 * jitter; a word cut by the chunk edge is either missed or heard (shorter) when most of it is inside.
 */
function hear(words: Word[], c: Chunk, jitter = 0.03, seed = 11): AsrResult {
  let s = seed + c.index;
  const rnd = () => ((s = (s * 16807) % 2147483647), s / 2147483647 - 0.5);
  const heard: Word[] = [];
  for (const w of words) {
    const inStart = Math.max(w.start, c.start);
    const inEnd = Math.min(w.end, c.end);
    if (inEnd <= inStart) continue;
    if ((inEnd - inStart) / (w.end - w.start) < 0.6) continue; // mostly cut off: not recognised
    heard.push({ ...w, start: inStart - c.start + rnd() * jitter, end: inEnd - c.start + rnd() * jitter });
  }
  return { words: heard, text: heard.map((w) => w.text).join(' ') };
}

describe('stitch', () => {
  const words = truth(100);
  const region = [{ start: 0, end: 100 }];

  for (const [chunkS, overlapS] of [
    [30, 3],
    [8, 1],
    [5, 2],
  ] as const) {
    it(`keeps every word exactly once across overlaps (chunks ${chunkS} s, overlap ${overlapS} s)`, () => {
      const chunks = planChunks(region, 100, { chunkS, overlapS });
      expect(chunks.length).toBeGreaterThan(2);
      const out = stitch(chunks.map((chunk) => ({ chunk, result: hear(words, chunk) })));
      expect(out.words.map((w) => w.text)).toEqual(words.map((w) => w.text));
      out.words.forEach((w, i) => {
        expect(Math.abs(w.start - words[i].start)).toBeLessThan(0.05);
        if (i) expect(w.start).toBeGreaterThanOrEqual(out.words[i - 1].start);
      });
      expect(out.gaps).toEqual([]);
    });
  }

  it('dedupes a word both chunks placed on their own side of the boundary', () => {
    const a: Chunk = { index: 0, start: 0, end: 13, coreStart: 0, coreEnd: 10 };
    const b: Chunk = { index: 1, start: 7, end: 20, coreStart: 10, coreEnd: 20 };
    // "hello" spans the cut; A's copy ends a little early, B's starts a little late, and both reach past t=10
    // so that no instant around the boundary is word-free in both.
    const ra: AsrResult = { text: '', words: [{ start: 8.5, end: 9.9, text: 'so' }, { start: 9.8, end: 10.3, text: 'Hello,' }, { start: 10.3, end: 10.9, text: 'there' }] };
    const rb: AsrResult = { text: '', words: [{ start: 2.4, end: 2.95, text: 'so' }, { start: 2.9, end: 3.4, text: 'hello' }, { start: 3.35, end: 3.9, text: 'there' }] };
    const out = stitch([
      { chunk: a, result: ra },
      { chunk: b, result: rb },
    ]);
    expect(out.words.map((w) => w.text.toLowerCase().replace(/\W/g, ''))).toEqual(['so', 'hello', 'there']);
  });

  // Continuous speech through the whole overlap: no instant near the boundary is free of words in both
  // chunks, so the boundary stays at the overlap midpoint (t = 10) and the guards have to do the work.
  const continuous = (offset: number, c: Chunk): AsrResult => {
    const words = Array.from({ length: 15 }, (_, k) => ({ start: 7 + offset + 0.4 * k - c.start, end: 7 + offset + 0.4 * (k + 1) - c.start, text: `w${k}` }));
    return { text: '', words: words.filter((w) => w.start >= 0 && w.end <= c.end - c.start) };
  };
  const A: Chunk = { index: 0, start: 0, end: 13, coreStart: 0, coreEnd: 10 };
  const B: Chunk = { index: 1, start: 7, end: 20, coreStart: 10, coreEnd: 20 };

  it('dedupes a word whose two copies fall on both sides of the boundary', () => {
    // A hears w7 at 9.75–10.15 (midpoint before 10), B at 9.90–10.30 (after): both would keep it.
    const out = stitch([
      { chunk: A, result: continuous(-0.05, A) },
      { chunk: B, result: continuous(0.1, B) },
    ]);
    expect(out.words.map((w) => w.text)).toEqual(Array.from({ length: 15 }, (_, k) => `w${k}`));
  });

  it('puts back a word whose two copies both fell on the wrong side of the boundary', () => {
    // A hears w7 at 9.85–10.25 (midpoint after 10), B at 9.70–10.10 (before): both would drop it.
    const out = stitch([
      { chunk: A, result: continuous(0.05, A) },
      { chunk: B, result: continuous(-0.1, B) },
    ]);
    expect(out.words.map((w) => w.text)).toEqual(Array.from({ length: 15 }, (_, k) => `w${k}`));
  });

  it('keeps the earlier chunk across the overlap when the later one starts with a low-confidence jumble', () => {
    // From pocketsphinx on flite speech (10 s cores, 1.5 s overlap, cut forced at 40.508 s): the later chunk
    // starts inside speech and reads "the quick brown fox jumped" as "why u"; the midpoint rule kept the jumble
    // and lost "the" (nothing else covered it) and four well-heard words.
    const a: Chunk = { index: 3, start: 29.008, end: 42.008, coreStart: 30.508, coreEnd: 40.508 };
    const b: Chunk = { index: 4, start: 39.008, end: 43.768, coreStart: 40.508, coreEnd: 43.268 };
    const rel = (c: Chunk, ws: [string, number, number, number][]): AsrResult => ({
      text: '',
      words: ws.map(([text, start, end, confidence]) => ({ text, start: start - c.start, end: end - c.start, confidence })),
    });
    const ra = rel(a, [
      ['seashore', 38.01, 38.77, 0.87],
      ['the', 40.62, 40.71, 0.89],
      ['quick', 40.71, 41.03, 0.8],
      ['brown', 41.03, 41.35, 1],
      ['fox', 41.35, 41.69, 1],
      ['jumped', 41.69, 42.0, 1],
    ]);
    const rb = rel(b, [
      ['why', 40.83, 42.46, 0.09],
      ['u', 42.46, 42.8, 0.01],
      ['dog', 42.8, 43.13, 0.06],
    ]);
    const out = stitch([
      { chunk: a, result: ra },
      { chunk: b, result: rb },
    ]);
    expect(out.words.map((w) => w.text)).toEqual(['seashore', 'the', 'quick', 'brown', 'fox', 'jumped', 'u', 'dog']);
    // Readings of equal confidence keep the midpoint rule: here, the same words from both chunks.
    const same = stitch([
      { chunk: a, result: ra },
      { chunk: b, result: rel(b, [['the', 40.63, 40.71, 0.9], ['quick', 40.71, 41.02, 0.8], ['brown', 41.02, 41.35, 0.9], ['fox', 41.35, 41.7, 1], ['jumped', 41.7, 42.03, 1], ['over', 42.03, 42.2, 1]]) },
    ]);
    expect(same.words.map((w) => `${w.text}#${w.chunk}`)).toEqual(['seashore#3', 'the#4', 'quick#4', 'brown#4', 'fox#4', 'jumped#4', 'over#4']);
    expect(confidentBoundary(ra.words, [], 0, 1, 0.5)).toBe(0.5); // (times relative to different chunks: no overlap, no change)
  });

  it('turns a failed chunk into a visible gap and keeps its neighbours whole', () => {
    const chunks = planChunks(region, 100, { chunkS: 30, overlapS: 3 });
    const outcomes: ChunkOutcome[] = chunks.map((chunk) => (chunk.index === 1 ? { chunk, error: new Error('engine crashed') } : { chunk, result: hear(words, chunk) }));
    const out = stitch(outcomes);
    expect(out.gaps).toHaveLength(1);
    const gap = out.gaps[0];
    // The gap is what no neighbour heard: from the end of chunk 0's audio to the start of chunk 2's.
    expect(gap.start).toBeCloseTo(chunks[0].end, 3);
    expect(gap.end).toBeCloseTo(chunks[2].start, 3);
    expect(gap.reason).toBe('engine crashed');
    const marker = out.words.find((w) => w.gap)!;
    expect(marker.text).toBe(GAP_TEXT);
    // Every true word outside the gap is present once; none inside it is invented.
    const expected = words.filter((w) => w.end <= gap.start + 0.01 || w.start >= gap.end - 0.01).map((w) => w.text);
    const got = out.words.filter((w) => !w.gap).map((w) => w.text);
    for (const t of expected) expect(got.filter((g) => g === t)).toHaveLength(1);
    expect(new Set(got).size).toBe(got.length);
  });

  it('flags runs of low-confidence words', () => {
    const c: Chunk = { index: 0, start: 0, end: 10, coreStart: 0, coreEnd: 10 };
    const ws = [0.9, 0.1, 0.2, 0.15, 0.9, 0.1, 0.95].map((confidence, i) => ({ start: i, end: i + 0.5, text: `w${i}`, confidence }));
    const out = stitch([{ chunk: c, result: { words: ws, text: '' } }], { lowConfidence: 0.3, minLowRun: 3 });
    expect(out.lowConfidence).toEqual([{ start: 1, end: 3.5 }]);
    expect(out.words.filter((w) => w.lowConfidence).map((w) => w.text)).toEqual(['w1', 'w2', 'w3']);
  });
});
