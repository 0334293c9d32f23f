/**
 * The vector leg's nearest-neighbour search alone: `npx tsx scripts/bench/ann.ts --data-dir <archive> [--n 100]
 * [--limit 50] [--speaker-filter]`. Asks VectorIndex.search (no filter: every decade's partition) for the `limit`
 * nearest moments of each of n dev questions, in process, three passes after one warm-up pass, and prints p50 / p95
 * ms and the recall of those moments against an exact ranking (every vector's cosine, no index). With
 * --speaker-filter each question is asked with a speaker filter, the archive's speakers taken in turn (from those
 * with the most moments to those with the fewest); with --collection or --kind, with that filter. The archive is one
 * `npm run eval` built; the question vectors come from its embedder through the embedding cache.
 */
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices } from '../../src/main/services.js';
import { queryVector } from '../../src/retrieval/search.js';
import { readQuestions } from '../eval/questions.js';
import { percentile } from './lib.js';

const opts = new Command('bench-ann')
  .requiredOption('--data-dir <dir>', 'an archive with vectors (one `npm run eval` built)')
  .option('--dir <dir>', 'the evaluation set its questions come from', '../shared/eval/dev')
  .option('--n <n>', 'questions', (v) => parseInt(v, 10), 100)
  .option('--limit <n>', 'nearest moments asked for', (v) => parseInt(v, 10), 50)
  .option('--embed-cache <dir>', 'where computed vectors are kept between runs', path.resolve('.tmp/embed-cache'))
  .option('--speaker-filter', "ask each question with one of the archive's speakers as a filter")
  .option('--collection <name>', 'ask each question within this collection')
  .option('--kind <kind>', 'ask each question for moments of this kind (speech, screen)')
  .parse()
  .opts<{ dataDir: string; dir: string; n: number; limit: number; embedCache: string; speakerFilter?: boolean; collection?: string; kind?: 'speech' | 'screen' }>();

const cfg = loadConfig({ ...process.env, DATA_DIR: opts.dataDir });
const s = await openServices(cfg, { logger: createLogger('warn'), embedCacheDir: opts.embedCache, cache: 'off' });
if (!s.vectors || !s.embedder) throw new Error('this archive has no vectors (EMBEDDINGS=none)');
const vectors: Float32Array[] = [];
for (const q of readQuestions(path.join(opts.dir, 'queries.jsonl')).slice(0, opts.n)) vectors.push(await queryVector(s, q.query));

// The speakers by their number of moments, most first (one label per speaker, as a filter names it).
const speakers = opts.speakerFilter
  ? (await s.db.query<{ label: string }>(
      'SELECT min(s) AS label FROM embeddings, unnest(speakers) AS s GROUP BY lower(s) ORDER BY count(*) DESC, 1',
    )).map((r) => r.label)
  : [];
const speakerOf = (i: number) => (speakers.length ? speakers[i % speakers.length] : undefined);

const ms: number[] = [];
let recall = 0;
for (let pass = 0; pass < 4; pass++) {
  for (const [i, v] of vectors.entries()) {
    const speaker = speakerOf(i);
    const t0 = performance.now();
    const hits = await s.vectors.search(v, { speaker, collection: opts.collection, kind: opts.kind }, opts.limit);
    if (pass > 0) ms.push(performance.now() - t0);
    if (pass === 0) {
      // Exact: every vector's distance (of the speaker's moments), from a materialised copy no index can serve.
      const exact = await s.db.queryRows<{ moment_id: string }>(
        `WITH e AS MATERIALIZED (SELECT moment_id, embedding FROM embeddings
                                 WHERE ($3::text IS NULL OR EXISTS (SELECT 1 FROM unnest(speakers) s WHERE lower(s) = lower($3)))
                                   AND ($4::text IS NULL OR collection = $4) AND ($5::text IS NULL OR kind = $5))
         SELECT moment_id FROM e ORDER BY embedding <=> $1::real[]::vector::halfvec LIMIT $2`,
        [Array.from(v), opts.limit, speaker ?? null, opts.collection ?? null, opts.kind ?? null],
      );
      const truth = new Set(exact.map((r) => r.moment_id));
      recall += hits.filter((h) => truth.has(h.momentId)).length / Math.max(1, truth.size) / vectors.length;
    }
  }
}
ms.sort((a, b) => a - b);
const filter = [
  ...(speakers.length ? [`a speaker filter (${Math.min(speakers.length, vectors.length)} of ${speakers.length} speakers)`] : []),
  ...(opts.collection ? [`collection ${opts.collection}`] : []),
  ...(opts.kind ? [`kind ${opts.kind}`] : []),
].join(', ') || 'no filter';
console.log(`${vectors.length} questions, ${opts.limit} nearest moments, ${filter}: p50 ${percentile(ms, 0.5).toFixed(1)} ms, p95 ${percentile(ms, 0.95).toFixed(1)} ms; recall against exact ${recall.toFixed(3)}`);
await s.close();
