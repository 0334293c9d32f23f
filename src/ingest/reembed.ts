import { AppError, type Embedder, type VectorRebuild } from '../core/index.js';
import type { Services } from '../archive/index.js';
import { indexedText } from './transcript.js';

/**
 * Embeds each recording's moments again with the configured model, beside the vectors being served, and
 * swaps the new vectors in at the end (VectorIndex.rebuild): search keeps answering from the old vectors all
 * along. A failure part way drops what was built and leaves the old vectors served. `onProgress` may return a
 * promise, which is waited for.
 */
export async function reembedArchive(s: Services, onProgress: (done: number, total: number) => void | Promise<void>): Promise<number> {
  if (!s.embedder || !s.vectors) throw new AppError('bad_request', 'EMBEDDINGS=none: there is no model to re-embed with');
  const embedder = s.embedder;
  const next = await s.vectors.rebuild({ model: embedder.model, dim: embedder.dim });
  const done = new Set<string>();
  try {
    const ids = await readyIds(s);
    await onProgress(0, ids.length);
    for (const id of ids) {
      await embedInto(s, embedder, next, id);
      done.add(id);
      await onProgress(done.size, ids.length);
    }
    // Recordings that became ready meanwhile (a server ingesting beside a Postgres server's archive).
    for (const id of await readyIds(s)) if (!done.has(id)) await embedInto(s, embedder, next, id);
    await next.swap();
  } catch (err) {
    await next.abandon().catch(() => {});
    throw err;
  }
  await s.cache.bumpGeneration();
  return done.size;
}

async function embedInto(s: Services, embedder: Embedder, into: VectorRebuild, id: string): Promise<void> {
  const rec = await s.archive.get(id);
  if (!rec) return;
  const moments = await s.archive.moments(id);
  const vectors = await embedder.embed(moments.map(indexedText));
  await into.add(
    id,
    moments.map((m, i) => ({ momentId: m.id, recordingId: id, recordedAt: rec.recordedAt, collection: rec.collection, speakers: m.speakers, vector: vectors[i], kind: m.kind })),
  );
}

async function readyIds(s: Services): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of s.archive.allRecordingIds()) ids.push(id);
  return ids;
}
