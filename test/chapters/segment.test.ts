import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Cue } from '../../src/core/domain.js';
import { segmentChapters, type PassageVector } from '../../src/ingest/chapters/segment.js';
import { isTransition, STOPWORDS } from '../../src/ingest/chapters/text.js';
import { rng } from '../../src/core/math.js';
import { parseVtt } from '../../src/ingest/formats/index.js';

const BAKING = 'bread dough flour yeast oven loaf sourdough starter knead crust bake proof rye butter'.split(' ');
const ASTRONOMY = 'telescope planet orbit galaxy nebula comet asteroid eclipse jupiter saturn moon observatory'.split(' ');
const FILLER = 'um uh yeah so I think the and you know it is really like okay well we just a of to'.split(' ');
const SPEAKERS = ['Ana', 'Ben', 'Chloé'];

/** Talk about `topics[i]` for `seconds[i]` seconds each, in ~8 s turns of alternating speakers. */
function transcript(topics: string[][], seconds: number[], seed = 7): Cue[] {
  const r = rng(seed);
  const cues: Cue[] = [];
  let t = 0;
  topics.forEach((vocab, k) => {
    const until = t + seconds[k];
    while (t < until) {
      const n = 10 + Math.floor(r() * 12);
      const words = Array.from({ length: n }, () => (r() < 0.45 ? vocab[Math.floor(r() * vocab.length)] : FILLER[Math.floor(r() * FILLER.length)]));
      const dur = n * 0.4;
      cues.push({ start: round(t), end: round(t + dur), speaker: SPEAKERS[Math.floor(r() * SPEAKERS.length)], text: words.join(' ') + '.' });
      t += dur + 0.25;
    }
  });
  return cues;
}
const round = (x: number) => Math.round(x * 1000) / 1000;

describe('segmentChapters', () => {
  const cues = transcript([BAKING, ASTRONOMY], [900, 900]);
  const shift = cues.find((c) => c.start >= 900)!.start;

  it('finds the boundary near the topic shift, snapped to the start of a turn, with chapters covering the talk', () => {
    const chapters = segmentChapters(cues);
    expect(chapters).toHaveLength(2);
    expect(Math.abs(chapters[1].start - shift)).toBeLessThanOrEqual(30);
    expect(cues.some((c) => c.start === chapters[1].start)).toBe(true);
    expect(chapters[0].start).toBe(cues[0].start);
    expect(chapters[0].end).toBe(chapters[1].start);
    expect(chapters[1].end).toBe(cues.at(-1)!.end);
  });

  it('titles each chapter with 2–4 of its own topical words, title-cased, and no stopwords or fillers', () => {
    const [a, b] = segmentChapters(cues);
    for (const [ch, vocab, other] of [[a, BAKING, ASTRONOMY], [b, ASTRONOMY, BAKING]] as const) {
      expect(ch.keywords.length).toBeGreaterThanOrEqual(2);
      expect(ch.keywords.length).toBeLessThanOrEqual(4);
      for (const k of ch.keywords) for (const w of k.split(' ')) {
        expect(vocab).toContain(w);
        expect(other).not.toContain(w);
        expect(STOPWORDS.has(w)).toBe(false);
      }
      const words = ch.title.split(/,\s*|\s+/);
      expect(words.length).toBeGreaterThanOrEqual(2);
      for (const w of words) expect(w).toMatch(/^[A-Z][a-z]+$/);
      expect(words.map((w) => w.toLowerCase()).filter((w) => FILLER.includes(w) || STOPWORDS.has(w))).toEqual([]);
    }
  });

  it('does not title a chapter with who talks: the words of the speakers\' labels, however often they are said', () => {
    const labels = ['Chair', 'Councillor Brennan'];
    const meeting = transcript([BAKING], [200]).map((c, i) => ({
      ...c,
      speaker: labels[i % 2],
      text: i % 2 ? `Thank you, Chair. ${c.text}` : `Councillor Brennan. ${c.text}`,
    }));
    const [only] = segmentChapters(meeting);
    expect(only.keywords.length).toBeGreaterThanOrEqual(2);
    expect(only.keywords.flatMap((k) => k.split(' ')).filter((w) => ['chair', 'councillor', 'brennan'].includes(w))).toEqual([]);
    // A label an archivist has since replaced by a name is a speaker's label too.
    const renamed = meeting.map((c) => ({ ...c, speaker: 'Ana Ruiz', label: c.speaker }));
    expect(segmentChapters(renamed)[0].keywords.filter((w) => ['chair', 'councillor', 'brennan'].includes(w))).toEqual([]);
  });

  it('finds several shifts and keeps every chapter at least minChapterS long', () => {
    const three = transcript([BAKING, ASTRONOMY, BAKING.slice(0, 6).concat(['harvest', 'tractor', 'wheat', 'barley', 'field', 'farmer'])], [700, 700, 700], 3);
    const chapters = segmentChapters(three, { params: { minChapterS: 300 } });
    expect(chapters).toHaveLength(3);
    expect(Math.abs(chapters[1].start - 700)).toBeLessThanOrEqual(40);
    expect(Math.abs(chapters[2].start - 1400)).toBeLessThanOrEqual(40);
    for (const ch of chapters) expect(ch.end - ch.start).toBeGreaterThanOrEqual(300);
  });

  it('uses passage vectors when given: they can carry a shift the words do not show', () => {
    // The same words throughout; only the vectors of the passages change at 900 s.
    const same = transcript([BAKING.concat(ASTRONOMY)], [1800], 11);
    const vectors: PassageVector[] = [];
    for (let t = 0; t < 1800; t += 60) vectors.push({ start: t, end: t + 90, vector: t + 45 < 900 ? [1, 0.1, 0] : [0.1, 1, 0] });
    const withVectors = segmentChapters(same, { vectors, params: { embedWeight: 0.9 } });
    expect(withVectors.length).toBeGreaterThanOrEqual(2);
    expect(withVectors.slice(1).some((ch) => Math.abs(ch.start - 900) <= 60)).toBe(true);
  });

  it('splits a short recording by topic too, gives a very short one a single chapter, and an empty one none', () => {
    // Four minutes of two topics: windows and the minimum chapter shrink with the recording (shortS).
    const short = transcript([BAKING, ASTRONOMY], [120, 120]);
    const two = segmentChapters(short);
    expect(two).toHaveLength(2);
    expect(Math.abs(two[1].start - 120)).toBeLessThan(25);
    const tiny = transcript([BAKING, ASTRONOMY], [40, 40]);
    const chapters = segmentChapters(tiny);
    expect(chapters).toHaveLength(1);
    expect(chapters[0]).toMatchObject({ start: tiny[0].start, end: tiny.at(-1)!.end });
    expect(chapters[0].title).not.toBe('');
    expect(segmentChapters([])).toEqual([]);
    expect(segmentChapters([{ start: 0, end: 2, text: '  ' }])).toEqual([]);
  });

  it('is deterministic', () => {
    expect(segmentChapters(cues)).toEqual(segmentChapters(cues));
  });
});

describe('transition phrases', () => {
  it('recognises lines that announce a new topic, and not ordinary talk', () => {
    expect(isTransition("Okay, thank you. We're going to move on now to some questions on examinations.")).toBe(true);
    expect(isTransition('So the next item on the agenda is the budget.')).toBe(true);
    expect(isTransition("Let's talk about the interface.")).toBe(true);
    expect(isTransition("Okay , let 's move on to the budget .")).toBe(true);
    expect(isTransition('I think the battery should be rechargeable.')).toBe(false);
  });
});

describe('chapter titles in Spanish and German', () => {
  const sample = (name: string) => parseVtt(name, readFileSync(new URL(`../../sample/recordings/${name}`, import.meta.url), 'utf8'));
  /** Words the transcript writes with a capital inside a sentence: German nouns (and names). */
  const capitalisedInside = (cues: Cue[]) => new Set(cues.flatMap((c) => [...c.text.matchAll(/(?<![.!?:]\s)(?<=\s)(\p{Lu}[\p{L}-]*)/gu)].map((m) => m[1].toLowerCase())));

  it('are German nouns, not the verbs, adverbs and numbers around them', () => {
    for (const name of ['oral-history-1983-werft-de.vtt', 'council-1992-hafen-de.vtt']) {
      const cues = sample(name);
      const nouns = capitalisedInside(cues);
      for (const ch of segmentChapters(cues, { language: 'de' })) {
        expect(ch.keywords.length, ch.title).toBeGreaterThanOrEqual(2);
        for (const w of ch.keywords.flatMap((k) => k.split(' '))) expect(nouns.has(w), `${w} in ${ch.title}`).toBe(true);
        expect(ch.keywords.filter((k) => /^(jahr|jahre|jahren|millionen|prozent|etwa|mehr|september)$/.test(k)), ch.title).toEqual([]);
      }
    }
  });

  it('leave out the numbers, years and auxiliary verbs of Spanish talk', () => {
    for (const name of ['oral-history-1979-fabrica-es.vtt', 'council-1986-puerto-es.vtt']) {
      for (const ch of segmentChapters(sample(name), { language: 'es' })) {
        expect(ch.keywords.length, ch.title).toBeGreaterThanOrEqual(2);
        const words = ch.keywords.flatMap((k) => k.split(' '));
        expect(words.filter((k) => /^(ciento|cuatrocientas|millones|mil|años|año|era|había|trabajaba|estaba)$/.test(k)), ch.title).toEqual([]);
      }
    }
  });
});
