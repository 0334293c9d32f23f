/**
 * Localisation lab: `tsx scripts/eval/localise-lab.ts <eval dir> --data-dir <ingested archive>`.
 * Runs each question once per scope (archive-wide and within its recording) through the search, keeps each
 * result's best moment (the passage's moment with the highest fused score), and scores where links open under
 * variants by link nDCG@10: the moment's start, the best sentence, the reply to a short prompt at several
 * turn lengths (bestSentenceStart), and, over the same 30 passages, putting those near a better one of the same
 * recording last. Tuning questions and the held-out quarter are reported apart: choose on the first.
 */
import path from 'node:path';
import { Command } from 'commander';
import type { Analysis, Cue, SearchMode } from '../../src/core/index.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { searchMomentsScored } from '../../src/retrieval/search.js';
import { bestSentenceStart, type LocaliseOptions } from '../../src/retrieval/localise.js';
import { withoutLabel } from '../../src/retrieval/speakers.js';
import { contentStems } from '../../src/retrieval/text.js';
import { mean, scoreQuery, splitOf } from './metrics.js';
import { readQuestions } from './questions.js';

const program = new Command('localise-lab')
  .argument('<dir>')
  .requiredOption('--data-dir <dir>')
  .option('--mode <mode>', 'search mode', 'hybrid')
  .option('--embed-cache <dir>', '', path.resolve('.tmp/embed-cache'))
  .parse();
const opts = program.opts<{ dataDir: string; mode: SearchMode; embedCache: string }>();
const dir = path.resolve(program.args[0]);
const queries = readQuestions(path.join(dir, 'queries.jsonl'));

const s = await openServices(loadConfig({ ...process.env, DATA_DIR: opts.dataDir }), { logger: createLogger('warn'), embedCacheDir: opts.embedCache, cache: 'off' });
const cues = new Map<string, Cue[]>();
const cuesOf = async (id: string) => {
  let c = cues.get(id);
  if (!c) cues.set(id, (c = await s.archive.segments(id)));
  return c;
};

interface Hit { recordingId: string; start: number; end: number; from: number; to: number; link: number }
interface Asked { split: string; language: Analysis; gold: { recordingId: string; spans: [number, number][] }; stems: Set<string>; hits: Hit[] }
const scopes = ['archive', 'recording'] as const;
/** Passages gathered per question, so a reordering can bring deeper ones into the top 10. */
const DEPTH = 30;
const asked: Record<(typeof scopes)[number], Asked[]> = { archive: [], recording: [] };
let done = 0;
for (const q of queries) {
  for (const scope of scopes) {
    const { outcome, fused } = await searchMomentsScored(s, { q: q.query, mode: opts.mode, limit: DEPTH, filters: scope === 'recording' ? { recordingId: q.recording_id } : {} });
    const speaker = outcome.speaker_filter?.label;
    const ids = outcome.results.map((r) => r.moment_ids.reduce((a, b) => ((fused.get(b) ?? -Infinity) > (fused.get(a) ?? -Infinity) ? b : a)));
    const moments = await s.archive.momentsByIds(ids);
    const stems = contentStems(withoutLabel(outcome.matched_text, speaker), { question: true, language: outcome.language.code });
    const hits = outcome.results.map((r, i) => {
      const m = moments.get(ids[i]);
      return { recordingId: r.recording_id, start: r.start, end: r.end, from: m?.start ?? r.start, to: m?.end ?? r.end, link: r.at };
    });
    asked[scope].push({ split: splitOf(q.recording_id), language: outcome.language.code, gold: { recordingId: q.recording_id, spans: q.gold }, stems, hits });
  }
  if (++done % 100 === 0) process.stderr.write(`${done}/${queries.length}\n`);
}

type Variant = { name: string; link: (h: Hit, a: Asked) => Promise<number>; order?: (hits: Hit[]) => Hit[] };
/** Passages within `gapS` of a better one of the same recording go after all others, in their order. */
const spread = (gapS: number) => (hits: Hit[]) => {
  const first: Hit[] = [];
  const later: Hit[] = [];
  for (const h of hits) {
    const near = first.some((k) => k.recordingId === h.recordingId && h.start < k.end + gapS && h.end > k.start - gapS);
    (near ? later : first).push(h);
  }
  return [...first, ...later];
};
const localised = (o: (a: Asked) => LocaliseOptions) => async (h: Hit, a: Asked) => bestSentenceStart(await cuesOf(h.recordingId), h.from, h.to, a.stems, { language: a.language, ...o(a) });
const variants: Variant[] = [
  { name: 'the search as it is', link: async (h) => h.link },
  { name: 'best moment’s start', link: async (h) => h.from },
  { name: 'best sentence', link: localised(() => ({ promptS: 0 })) },
  ...[4, 8, 12, 16, 20, 30, 45].map((p) => ({ name: `+ the reply to a prompt of ≤ ${p} s`, link: localised(() => ({ promptS: p })) })),
  { name: 'best sentence of the whole passage', link: async (h: Hit, a: Asked) => bestSentenceStart(await cuesOf(h.recordingId), h.start, h.end, a.stems, { language: a.language }) },
  ...[30, 60, 120, 300].map((g) => ({ name: `as it is, passages ${g} s apart first`, link: async (h: Hit) => h.link, order: spread(g) })),
];

console.log(`${opts.mode}, link nDCG@10 (tuning questions / held-out quarter)`);
console.log(`${'variant'.padEnd(52)} ${scopes.map((x) => x.padEnd(18)).join(' ')}`);
for (const v of variants) {
  const cells: string[] = [];
  for (const scope of scopes) {
    const by: Record<string, number[]> = { tune: [], holdout: [] };
    for (const a of asked[scope]) {
      const top = (v.order ? v.order(a.hits) : a.hits).slice(0, 10);
      const links = await Promise.all(top.map((h) => v.link(h, a)));
      by[a.split].push(scoreQuery(top.map((h, i) => ({ ...h, link: Math.floor(links[i]) })), a.gold, 'link').ndcg);
    }
    cells.push(`${mean(by.tune).toFixed(4)} / ${mean(by.holdout).toFixed(4)}`.padEnd(18));
  }
  console.log(`${v.name.padEnd(52)} ${cells.join(' ')}`);
}
await s.close();
