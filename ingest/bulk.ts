import fs from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Services } from '../src/services.js';
import { readManifest, type ManifestProblem, type ManifestRow } from './manifest.js';
import { ingestTranscript } from './transcript.js';

export interface BulkSummary {
  total: number;
  ingested: number;
  unchanged: number;
  failed: number;
  moments: number;
  failures: ManifestProblem[];
  seconds: number;
}

export type BulkEvent =
  | { type: 'start'; total: number }
  | { type: 'row'; line: number; id: string; status: 'ingested' | 'unchanged' | 'failed'; error?: string; done: number; total: number };

/**
 * Ingests every row of a manifest. Rows run a few at a time so the embedding workers stay busy while
 * another row is being written; a failing row is reported and the others carry on.
 */
export async function ingestManifest(
  s: Services,
  manifestPath: string,
  opts: { concurrency?: number; onEvent?: (e: BulkEvent) => void } = {},
): Promise<BulkSummary> {
  const t0 = performance.now();
  const { rows, problems } = readManifest(manifestPath);
  const total = rows.length + problems.length;
  const summary: BulkSummary = { total, ingested: 0, unchanged: 0, failed: problems.length, moments: 0, failures: [...problems], seconds: 0 };
  let done = problems.length;
  opts.onEvent?.({ type: 'start', total });
  for (const p of problems) opts.onEvent?.({ type: 'row', line: p.line, id: p.id ?? '?', status: 'failed', error: p.error, done, total });
  const limit = pLimit(opts.concurrency ?? Math.max(2, s.cfg.EMBED_WORKERS + 1));
  await Promise.all(
    rows.map((row) =>
      limit(async () => {
        const outcome = await ingestRow(s, row);
        done++;
        if (outcome.status === 'failed') {
          summary.failed++;
          summary.failures.push({ line: row.line, id: row.meta.id, error: outcome.error });
        } else {
          summary[outcome.status]++;
          if (outcome.status === 'ingested') summary.moments += outcome.moments;
        }
        opts.onEvent?.({ type: 'row', line: row.line, id: row.meta.id, status: outcome.status, error: outcome.status === 'failed' ? outcome.error : undefined, done, total });
      }),
    ),
  );
  summary.failures.sort((a, b) => a.line - b.line);
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

type RowOutcome = { status: 'ingested' | 'unchanged'; moments: number } | { status: 'failed'; error: string };

async function ingestRow(s: Services, row: ManifestRow): Promise<RowOutcome> {
  try {
    if (!row.transcriptPath) {
      return { status: 'failed', error: 'this row has media but no transcript; audio ingestion is not available in this build' };
    }
    const content = await fs.readFile(row.transcriptPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read transcript ${row.meta.source}: ${err.code ?? err.message}`);
    });
    const out = await ingestTranscript(s, { meta: row.meta, fileName: row.transcriptPath, content });
    return { status: out.status, moments: out.moments };
  } catch (err) {
    s.log.debug({ err, line: row.line, id: row.meta.id }, 'manifest row failed');
    return { status: 'failed', error: (err as Error).message };
  }
}
