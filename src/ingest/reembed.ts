import { AppError } from '../core/index.js';
import type { Services } from '../archive/index.js';
import { indexedText } from './transcript.js';

/** Drops every vector and embeds each recording's moments again with the configured model. */
export async function reembedArchive(s: Services, onProgress: (done: number, total: number) => void): Promise<number> {
  if (!s.embedder || !s.vectors) throw new AppError('bad_request', 'EMBEDDINGS=none: there is no model to re-embed with');
  await s.vectors.reset();
  await s.vectors.init({ model: s.embedder.model, dim: s.embedder.dim });
  const ids: string[] = [];
  for await (const id of s.archive.allRecordingIds()) ids.push(id);
  onProgress(0, ids.length);
  let done = 0;
  for (const id of ids) {
    const rec = (await s.archive.get(id))!;
    const moments = await s.archive.moments(id);
    const vectors = await s.embedder.embed(moments.map(indexedText));
    await s.vectors.replaceRecording(
      id,
      moments.map((m, i) => ({ momentId: m.id, recordingId: id, recordedAt: rec.recordedAt, collection: rec.collection, speakers: m.speakers, vector: vectors[i], kind: m.kind })),
    );
    onProgress(++done, ids.length);
  }
  await s.cache.bumpGeneration();
  return ids.length;
}
