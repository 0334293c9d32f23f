/**
 * Localisation lab: `tsx scripts/eval/localise-lab.ts <eval dir> --data-dir <ingested archive>`.
 * Runs each question once per scope (archive-wide and within its recording) through the search, keeps each
 * result's best moment (the passage's moment with the highest fused score), and scores where links open under
 * variants by link nDCG@10: the moment's start, the best sentence, the reply to a short prompt at several
 * turn lengths (bestSentenceStart), the passage's moment chosen with more of the cosine, an oracle that opens
 * on a sentence inside the answer wherever the moment or passage has one (how much better placing the link
 * could do at all), and, over the same 30 passages,
 * reorderings: those near a better one of the same recording last, those past the k-th of their recording last,
 * those of a recording's opening minute(s) down, and, for a question naming a speaker, those the speaker barely
 * holds or says none of its words in down. Overlap nDCG@10 of the tuning questions is printed beside the link figures.
 * Tuning questions and the held-out quarter are reported apart: choose on the first.
 */
import path from 'node:path';
import { type Analysis, type Cue, type SearchMode, cueSentences, meanAndSd } from '../../src/core/index.js';
import { searchMomentsScored } from '../../src/retrieval/search.js';
import { bestSentenceStart, type LocaliseOptions } from '../../src/retrieval/localise.js';
import { speakerShare, withoutLabel } from '../../src/retrieval/speakers.js';
import { contentStems } from '../../src/retrieval/text.js';
import { lastWhenNear, nearDuplicatesLast } from '../../src/retrieval/fusion.js';
import { mean, scoreQuery, splitOf } from './metrics.js';
import { labCommand, openLab } from './lab.js';
import { readQuestions } from './questions.js';

const program = labCommand('localise-lab').option('--mode <mode>', 'search mode', 'hybrid').parse();
const opts = program.opts<{ dataDir: string; mode: SearchMode; embedCache: string }>();
const dir = path.resolve(program.args[0]);
const queries = readQuestions(path.join(dir, 'queries.jsonl'));

const s = await openLab(opts);
const cues = new Map<string, Cue[]>();
const cuesOf = async (id: string) => {
  let c = cues.get(id);
  if (!c) cues.set(id, (c = await s.archive.segments(id)));
  return c;
};

/** A passage: its span, its best moment's (from, to), its link, and each of its moments with its fused score and z-scored cosine. */
interface Hit { recordingId: string; start: number; end: number; from: number; to: number; link: number; moments: { from: number; to: number; fused: number; z: number }[] }
interface Asked { speaker?: string; split: string; language: Analysis; gold: { recordingId: string; spans: [number, number][] }; stems: Set<string>; hits: Hit[] }
const scopes = ['archive', 'recording'] as const;
/** Passages gathered per question, so a reordering can bring deeper ones into the top 10. */
const DEPTH = 30;
const asked: Record<(typeof scopes)[number], Asked[]> = { archive: [], recording: [] };
let done = 0;
for (const q of queries) {
  for (const scope of scopes) {
    const { outcome, fused, cosine } = await searchMomentsScored(s, { q: q.query, mode: opts.mode, limit: DEPTH, filters: scope === 'recording' ? { recordingId: q.recording_id } : {} });
    const speaker = outcome.speaker_filter?.label;
    const ids = outcome.results.map((r) => r.moment_ids.reduce((a, b) => ((fused.get(b) ?? -Infinity) > (fused.get(a) ?? -Infinity) ? b : a)));
    const moments = await s.archive.momentsByIds(outcome.results.flatMap((r) => r.moment_ids));
    const stems = contentStems(withoutLabel(outcome.matched_text, speaker), { question: true, language: outcome.language.code });
    const { mean: mu, sd } = meanAndSd([...cosine.values()]);
    const hits = outcome.results.map((r, i) => {
      const m = moments.get(ids[i]);
      const parts = r.moment_ids.flatMap((id) => {
        const x = moments.get(id);
        return x ? [{ from: x.start, to: x.end, fused: fused.get(id) ?? -Infinity, z: cosine.has(id) ? (cosine.get(id)! - mu) / sd : 0 }] : [];
      });
      return { recordingId: r.recording_id, start: r.start, end: r.end, from: m?.start ?? r.start, to: m?.end ?? r.end, link: r.at, moments: parts };
    });
    asked[scope].push({ speaker, split: splitOf(q.recording_id), language: outcome.language.code, gold: { recordingId: q.recording_id, spans: q.gold }, stems, hits });
  }
  if (++done % 100 === 0) process.stderr.write(`${done}/${queries.length}\n`);
}

type Variant = { name: string; link: (h: Hit, a: Asked) => Promise<number>; order?: (hits: Hit[], a: Asked) => Hit[] | Promise<Hit[]> };
/**
 * For a question naming a speaker: passages whose best moment has none of the question's words in that
 * speaker's own sentences move down `by` places (Infinity: after all others).
 */
const speakerSays = (by: number) => async (hits: Hit[], a: Asked) => {
  if (!a.speaker) return hits;
  const who = a.speaker.toLowerCase();
  const says = await Promise.all(hits.map(async (h) => (await cuesOf(h.recordingId))
    .filter((c) => c.end > h.from && c.start < h.to && c.speaker?.toLowerCase() === who)
    .some((c) => [...contentStems(c.text, { language: a.language })].some((w) => a.stems.has(w)))));
  return demoted(hits, says.map((x) => !x), by);
};
/** Passages whose best moment starts in a recording's first `openingS`, when a later one of it is listed too, move down `by`. */
const opening = (openingS: number, by: number) => (hits: Hit[]) =>
  demoted(hits, hits.map((h) => h.from < openingS && hits.some((k) => k !== h && k.recordingId === h.recordingId && k.from >= openingS)), by);
/** The same, for passages whose best moment the named speaker holds less than `share` of (by cue time). */
const speakerHolds = (share: number, by: number) => async (hits: Hit[], a: Asked) => {
  if (!a.speaker) return hits;
  const shares = await Promise.all(hits.map(async (h) => speakerShare(await cuesOf(h.recordingId), h.from, h.to, a.speaker!)));
  return demoted(hits, shares.map((x) => x === null || x < share), by);
};
/** `hits` with those flagged in `down` moved `by` places down (Infinity: after all others), the rest in order. */
function demoted(hits: Hit[], down: boolean[], by: number): Hit[] {
  const keyed = hits.map((h, i) => ({ h, key: down[i] ? i + by + 0.5 : i }));
  return keyed.sort((x, y) => x.key - y.key).map((x) => x.h);
}
/** Passages within `gapS` of a better one of the same recording go after all others, in their order. */
const spread = (gapS: number) => (hits: Hit[]) => lastWhenNear(hits, (k, h) => k.recordingId === h.recordingId && h.start < k.end + gapS && h.end > k.start - gapS);
/** Passages whose best moment starts within `gapS` of a better passage's, of the same recording, go after all others (the search's rule at 60 s). */
const spreadMoments = (gapS: number) => (hits: Hit[]) => nearDuplicatesLast(hits.map((h) => ({ ...h, at: h.from })), gapS);
/** Passages after the `k`-th of their recording go after all others, in their order (archive-wide: more recordings in the top 10). */
const perRecording = (k: number) => (hits: Hit[]) => {
  const seen = new Map<string, number>();
  const first: Hit[] = [];
  const later: Hit[] = [];
  for (const h of hits) {
    const n = (seen.get(h.recordingId) ?? 0) + 1;
    seen.set(h.recordingId, n);
    (n <= k ? first : later).push(h);
  }
  return [...first, ...later];
};
/** Seconds of the turn holding the sentence at `t`, from it onwards ('from') or up to it ('to'). */
function turnLength(cues: Cue[], t: number, side: 'from' | 'to'): number {
  const i = cues.findIndex((c) => c.end > t);
  if (i < 0) return 0;
  const speaker = cues[i].speaker;
  let [a, b] = [i, i];
  while (a > 0 && cues[a - 1].speaker === speaker) a--;
  while (b < cues.length - 1 && cues[b + 1].speaker === speaker) b++;
  return side === 'from' ? cues[b].end - t : t - cues[a].start;
}
/** Diagnostic: a sentence start of the span that lands inside the answer when there is one, else the default. */
const oracle = (span: (h: Hit) => [number, number]) => async (h: Hit, a: Asked) => {
  const [from, to] = span(h);
  const c = await cuesOf(h.recordingId);
  if (h.recordingId === a.gold.recordingId) {
    const starts = c.filter((x) => x.end > from && x.start < to).flatMap((x) => cueSentences(x)).map((x) => x.start).filter((t) => t >= from - 0.5 && t < to);
    const inside = starts.find((t) => a.gold.spans.some(([g0, g1]) => t >= g0 - 3 && t <= g1));
    if (inside !== undefined) return inside;
  }
  return bestSentenceStart(c, h.from, h.to, a.stems, { language: a.language });
};
const localised = (o: (a: Asked) => LocaliseOptions) => async (h: Hit, a: Asked) => bestSentenceStart(await cuesOf(h.recordingId), h.from, h.to, a.stems, { language: a.language, ...o(a) });
const variants: Variant[] = [
  { name: 'the search as it is', link: async (h) => h.link },
  { name: 'best moment’s start', link: async (h) => h.from },
  { name: 'best sentence', link: localised(() => ({ promptS: 0 })) },
  ...[4, 8, 12, 16, 20, 30, 45].map((p) => ({ name: `+ the reply to a prompt of ≤ ${p} s ending on it`, link: localised(() => ({ promptS: p, promptTurns: 'ending' })) })),
  ...[12, 20, 30].map((p) => ({ name: `+ … or asking a question after it, ≤ ${p} s`, link: localised(() => ({ promptS: p, promptTurns: 'asking' })) })),
  { name: '+ the reply to any turn of ≤ 20 s holding it', link: localised(() => ({ promptTurns: 'any' })) },
  { name: 'best sentence of the whole passage', link: async (h: Hit, a: Asked) => bestSentenceStart(await cuesOf(h.recordingId), h.start, h.end, a.stems, { language: a.language }) },
  { name: 'reply to a prompt ≤ 20 s only if its turn is longer', link: async (h: Hit, a: Asked) => {
    const c = await cuesOf(h.recordingId);
    const plain = bestSentenceStart(c, h.from, h.to, a.stems, { language: a.language, promptS: 0 });
    const reply = bestSentenceStart(c, h.from, h.to, a.stems, { language: a.language, promptTurns: 'ending' });
    if (reply === plain) return plain;
    return turnLength(c, reply, 'from') > turnLength(c, plain, 'to') ? reply : plain;
  } },
  ...[0.1, 0.2, 0.4, 1, 100].map((w) => ({ name: `the passage's moment by fused + ${w} × z-cosine`, link: async (h: Hit, a: Asked) => {
    const m = h.moments.reduce((b, x) => (x.fused + w * x.z > b.fused + w * b.z ? x : b), h.moments[0]);
    return m ? bestSentenceStart(await cuesOf(h.recordingId), m.from, m.to, a.stems, { language: a.language }) : h.link;
  } })),
  { name: 'oracle: a sentence of the best moment inside the answer', link: oracle((h) => [h.from, h.to]) },
  { name: 'oracle: a sentence of the passage inside the answer', link: oracle((h) => [h.start, h.end]) },
  ...[3, 10, Infinity].map((by) => ({ name: `as it is, named speaker silent on the words: down ${by}`, link: async (h: Hit) => h.link, order: speakerSays(by) })),
  ...[0.1, 0.25].flatMap((share) => [3, 10].map((by) => ({ name: `as it is, named speaker < ${share * 100} % of the moment: down ${by}`, link: async (h: Hit) => h.link, order: speakerHolds(share, by) }))),
  ...[30, 60, 120].flatMap((n) => [1, 3].map((by) => ({ name: `as it is, opening ${n} s of a recording with a later passage: down ${by}`, link: async (h: Hit) => h.link, order: opening(n, by) }))),
  ...[30, 60, 120, 300].map((g) => ({ name: `as it is, passages ${g} s apart first`, link: async (h: Hit) => h.link, order: spread(g) })),
  ...[30, 60, 75, 90, 120].map((g) => ({ name: `as it is, best moments ${g} s apart first`, link: async (h: Hit) => h.link, order: spreadMoments(g) })),
  ...[1, 2, 3, 4, 5].map((k) => ({ name: `as it is, at most ${k} of a recording first`, link: async (h: Hit) => h.link, order: perRecording(k) })),
];

console.log(`${opts.mode}, link nDCG@10 (tuning questions / held-out quarter; in brackets overlap nDCG@10 on the tuning questions)`);
console.log(`${'variant'.padEnd(52)} ${scopes.map((x) => x.padEnd(28)).join(' ')}`);
for (const v of variants) {
  const cells: string[] = [];
  for (const scope of scopes) {
    const by: Record<string, number[]> = { tune: [], holdout: [] };
    const overlap: number[] = [];
    for (const a of asked[scope]) {
      const top = (v.order ? await v.order(a.hits, a) : a.hits).slice(0, 10);
      const links = await Promise.all(top.map((h) => v.link(h, a)));
      const returned = top.map((h, i) => ({ ...h, link: links[i] }));
      by[a.split].push(scoreQuery(returned, a.gold, 'link').ndcg);
      if (a.split === 'tune') overlap.push(scoreQuery(returned, a.gold, 'overlap').ndcg);
    }
    cells.push(`${mean(by.tune).toFixed(4)} / ${mean(by.holdout).toFixed(4)} (${mean(overlap).toFixed(4)})`.padEnd(28));
  }
  console.log(`${v.name.padEnd(52)} ${cells.join(' ')}`);
}
await s.close();
