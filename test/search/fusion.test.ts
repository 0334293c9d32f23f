import { describe, expect, it } from 'vitest';
import { joinOverlapping, nearDuplicatesLast, openingFactor, reciprocalRankFusion, scoreFusion, withDocumentEvidence, withNeighbourEvidence, withRecordingEvidence } from '../../src/retrieval/fusion.js';

const order = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);

describe('score fusion (BM25 normalised + weighted z-scored cosine)', () => {
  const bm25 = [
    { id: 'a', score: 10 },
    { id: 'b', score: 9.9 },
    { id: 'c', score: 5 },
  ];
  const cosine = new Map([
    ['a', 0.1],
    ['b', 0.5],
    ['c', 0.9],
    ['v', 0.95],
  ]);

  it('with weight 0 keeps the BM25 order and puts vector-only candidates last', () => {
    expect(order(scoreFusion(bm25, cosine, 0))).toEqual(['a', 'b', 'c', 'v']);
  });

  it('lets the cosine reorder near-tied lexical candidates without overturning a clear BM25 lead', () => {
    const fused = order(scoreFusion(bm25, cosine, 0.02));
    expect(fused.slice(0, 2)).toEqual(['b', 'a']);
    expect(fused.indexOf('c')).toBe(2);
  });

  it('includes candidates only the vector leg found, so a paraphrase still has answers', () => {
    const fused = scoreFusion([], cosine, 0.02);
    expect(order(fused)).toEqual(['v', 'c', 'b', 'a']);
  });

  it("orders BM25's candidates the same whether or not the vector leg added hits of its own", () => {
    const lexicalOnly = new Map([...cosine].filter(([id]) => id !== 'v'));
    const alone = scoreFusion(bm25, lexicalOnly, 0.1);
    const filledIn = scoreFusion(bm25, new Map([...lexicalOnly, ['v', 0.95], ['w', 0.97], ['x', 0.99]]), 0.1);
    for (const id of ['a', 'b', 'c']) expect(filledIn.get(id)).toBeCloseTo(alone.get(id)!, 9);
    expect(order(filledIn).slice(3)).toEqual(['x', 'w', 'v']);
  });

  it('scores a lexical candidate without a known cosine on BM25 alone', () => {
    const fused = scoreFusion([...bm25, { id: 'x', score: 10 }], cosine, 0.02);
    expect(fused.get('x')).toBeCloseTo(1, 6);
  });
});

describe('weighted reciprocal rank fusion', () => {
  it('adds weight/(k + rank) per leg', () => {
    const fused = reciprocalRankFusion([{ ids: ['a', 'b'] }, { ids: ['b', 'c'], weight: 0.5 }], 60);
    expect(fused.get('a')).toBeCloseTo(1 / 61, 9);
    expect(fused.get('b')).toBeCloseTo(1 / 62 + 0.5 / 61, 9);
    expect(order(fused)).toEqual(['b', 'a', 'c']);
  });
});

describe('joining overlapping windows of a passage', () => {
  it('drops the words the next window repeats, however long the passage already is', () => {
    expect(joinOverlapping('a b c', 'b c d')).toBe('a b c d');
    expect(joinOverlapping('a b c', 'c')).toBe('a b c');
    expect(joinOverlapping('a b c', 'x y')).toBe('a b c x y');
    // Only the passage's tail is compared: a cut inside "budgets" must not make "gets" look like a word.
    const long = `${Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ')} budgets gets`;
    expect(joinOverlapping(long, 'gets more')).toBe(`${long} more`);
    expect(joinOverlapping(long, 'gets')).toBe(long);
    expect(joinOverlapping('xbudgets', 'gets')).toBe('xbudgets gets');
    expect(joinOverlapping('one two', 'two three four five six')).toBe('one two three four five six');
  });

  it('agrees with splitting both sides into words, on random passages with repeated words and odd spacing', () => {
    // The definition: the overlap is the longest run of a's last words, among those starting at or after the
    // cut (a's last b.length + 1 characters), that b begins with.
    const byWords = (a: string, b: string) => {
      const cut = Math.max(0, a.length - b.length - 1);
      const aw = [...a.matchAll(/\S+/g)].filter((m) => m.index >= cut).map((m) => m[0]);
      const bw = b.split(/\s+/);
      for (let n = Math.min(aw.length, bw.length); n > 0; n--) {
        if (aw.slice(aw.length - n).join(' ') === bw.slice(0, n).join(' ')) return n === bw.length ? a : `${a} ${bw.slice(n).join(' ')}`;
      }
      return `${a} ${b}`;
    };
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const vocab = ['a', 'ab', 'b', 'ba', 'abc', 'c', 'the', 'he', 'budget', 'gets', 'budgets'];
    const words = (n: number) => Array.from({ length: n }, () => vocab[rnd(vocab.length)]);
    const spaced = (ws: string[]) => ws.map((w, i) => (i && rnd(20) === 0 ? ['  ', '\n', '\t'][rnd(3)] : i ? ' ' : '') + w).join('');
    for (let k = 0; k < 5000; k++) {
      const a = words(1 + rnd(12));
      // b often starts with a's last words, so overlaps of every length (and none) occur.
      const b = [...a.slice(a.length - rnd(a.length + 1)), ...words(rnd(6))];
      if (b.length === 0) b.push('x');
      const [sa, sb] = [spaced(a), spaced(b)];
      expect(joinOverlapping(sa, sb), JSON.stringify([sa, sb])).toBe(byWords(sa, sb));
    }
  });
});

describe('passage and recording evidence', () => {
  it('lifts a moment among other matches of its recording above one that matches alone', () => {
    const scores = new Map([
      ['a#10', 1],
      ['b#3', 1.02],
      ['a#11', 0.6],
      ['a#13', 0.5],
    ]);
    const out = withNeighbourEvidence(scores, 4, 0.1);
    expect(out.get('a#10')!).toBeGreaterThan(out.get('b#3')!);
    expect(out.get('b#3')).toBe(1.02);
    // nearer neighbours count more: a#11 gains from a#10 at distance 1, a#13 from it at distance 3
    expect(out.get('a#11')! - 0.6).toBeGreaterThan(out.get('a#13')! - 0.5);
  });

  it('ignores neighbours beyond its reach and ids without a sequence number', () => {
    const out = withNeighbourEvidence(new Map([['a#1', 1], ['a#9', 1], ['odd', 1]]), 4, 0.5);
    expect([...out.values()]).toEqual([1, 1, 1]);
  });

  it('lifts the recording that keeps matching over one with a single stray match', () => {
    const scores = new Map([
      ['stray#1', 1],
      ['steady#1', 0.95],
      ['steady#40', 0.7],
      ['steady#80', 0.6],
    ]);
    const out = withRecordingEvidence(scores, 0.25, 10);
    expect(out.get('steady#1')!).toBeGreaterThan(out.get('stray#1')!);
    expect(withRecordingEvidence(scores, 0, 10)).toBe(scores);
  });

  it('reads the recording from the last # of an id, so ids with # in them still group', () => {
    const out = withRecordingEvidence(new Map([['a#b#1', 1], ['a#b#2', 1], ['c#1', 1]]), 1, 10);
    expect(out.get('a#b#1')!).toBeGreaterThan(out.get('c#1')!);
  });
});

describe('document evidence (the recording as one BM25 document)', () => {
  it("lifts each moment by its recording's whole-document score over the best recording's, scaled to the best moment", () => {
    const scores = new Map([['stray#4', 1], ['steady#9', 0.95], ['other#2', 0.5]]);
    const out = withDocumentEvidence(scores, new Map([['steady', 8], ['stray', 2]]), 0.5);
    expect(order(out)).toEqual(['steady#9', 'stray#4', 'other#2']);
    expect(out.get('steady#9')).toBeCloseTo(0.95 + 0.5 * 1 * 1);
    expect(out.get('stray#4')).toBeCloseTo(1 + 0.5 * 1 * 0.25);
    // a recording without the question's words gains nothing
    expect(out.get('other#2')).toBe(0.5);
  });

  it('changes nothing without document scores or weight', () => {
    const scores = new Map([['a#1', 1]]);
    expect(withDocumentEvidence(scores, new Map(), 0.5)).toBe(scores);
    expect(withDocumentEvidence(scores, new Map([['a', 1]]), 0)).toBe(scores);
  });
});

describe('near-duplicate passages last', () => {
  const p = (recordingId: string, at: number, kind = 'speech') => ({ recordingId, at, kind, id: `${recordingId}@${at}` });
  it('moves a passage whose link is within the gap of a better one of its recording after all others, keeping their order', () => {
    const ranked = [p('a', 100), p('a', 159), p('b', 10), p('a', 400), p('a', 41), p('c', 0), p('a', 160)];
    expect(nearDuplicatesLast(ranked, 60).map((x) => x.id)).toEqual(['a@100', 'b@10', 'a@400', 'c@0', 'a@160', 'a@159', 'a@41']);
  });
  it('compares with passages kept in place only, and never across recordings or kinds', () => {
    // a@150 is near a@100 (moved); a@200 is near a@150 only: it stays.
    expect(nearDuplicatesLast([p('a', 100), p('a', 150), p('a', 200)], 60).map((x) => x.id)).toEqual(['a@100', 'a@200', 'a@150']);
    expect(nearDuplicatesLast([p('a', 100), p('b', 100), p('a', 110, 'screen')], 60).map((x) => x.id)).toEqual(['a@100', 'b@100', 'a@110']);
  });
});

describe("a recording's opening weighs its moments down", () => {
  const o = { share: 0.1, maxS: 300, minRecordingS: 300, weight: 0.4 };

  it('most at the very start, less further in, not at all past the first tenth', () => {
    expect(openingFactor(0, 600, o)).toBeCloseTo(0.6);
    expect(openingFactor(30, 600, o)).toBeCloseTo(0.8);
    expect(openingFactor(60, 600, o)).toBe(1);
    expect(openingFactor(400, 600, o)).toBe(1);
  });

  it('for at most maxS in a long recording', () => {
    expect(openingFactor(150, 7200, o)).toBeCloseTo(0.8);
    expect(openingFactor(300, 7200, o)).toBe(1);
  });

  it('not in a short clip, nor where the length is unknown', () => {
    expect(openingFactor(0, 85, o)).toBe(1);
    expect(openingFactor(0, null, o)).toBe(1);
  });
});
