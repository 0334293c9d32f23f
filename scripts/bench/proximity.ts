/**
 * What proximity evidence costs a search: `npx tsx scripts/bench/proximity.ts [--n 200]`.
 * For each dev question, the 30 moments (the default 20/30/5 s windows) of its own recording that a first page
 * is merged from at most, scored by proximityGains (PROXIMITY, as search does) with the question's stems, in
 * process; prints p50 / p95 ms.
 * Stems are cached per process, as in the service after its first searches: each question is timed on its
 * second run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { buildMoments } from '../../src/ingest/moments.js';
import { indexedText } from '../../src/ingest/transcript.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { PROXIMITY, proximityGains } from '../../src/retrieval/proximity.js';
import { contentStems } from '../../src/retrieval/text.js';
import { readQuestions } from '../eval/questions.js';
import { percentile } from './lib.js';

const opts = new Command('bench-proximity')
  .option('--dir <dir>', 'an evaluation set (manifest.jsonl, queries.jsonl, recordings/)', '../shared/eval/dev')
  .option('--n <n>', 'questions', (v) => parseInt(v, 10), 200)
  .parse()
  .opts<{ dir: string; n: number }>();

const PAGE_MOMENTS = 30;
const questions = readQuestions(path.join(opts.dir, 'queries.jsonl')).slice(0, opts.n);
const ms: number[] = [];
let words = 0;
for (const q of questions) {
  const file = path.join(opts.dir, 'recordings', `${q.recording_id}.vtt`);
  const moments = buildMoments(q.recording_id, parseTranscript(file, fs.readFileSync(file, 'utf8')), { targetS: 20, maxS: 30, overlapS: 5 });
  const from = Math.max(0, Math.floor(moments.length / 2) - PAGE_MOMENTS / 2);
  const question = contentStems(q.query, { question: true });
  const candidates = moments.slice(from, from + PAGE_MOMENTS).map((m) => ({ id: m.id, text: indexedText(m), question, language: 'en' as const }));
  words += candidates.reduce((a, c) => a + c.text.split(/\s+/).length, 0) / candidates.length;
  proximityGains(candidates, PROXIMITY);
  const t0 = performance.now();
  proximityGains(candidates, PROXIMITY);
  ms.push(performance.now() - t0);
}
ms.sort((a, b) => a - b);
const at = (q: number) => percentile(ms, q).toFixed(3);
console.log(`${questions.length} questions, ${PAGE_MOMENTS} moments each (${Math.round(words / questions.length)} words a moment): proximityGains p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`);
