import type { Services } from '../archive/index.js';
import { analysisOf } from '../core/index.js';
import { retitleChapters } from './chapters/index.js';
import { lexicalDocs } from './transcript.js';

export interface ReindexSummary {
  recordings: number;
  moments: number;
  /** Chapters titled again. */
  chapters: number;
}

/**
 * Writes every ready recording's stored moments into the configured lexical index again, as an ingest would.
 * For an engine that was switched (LEXICAL_ENGINE=elasticsearch on an archive built with Postgres): the
 * recordings are unchanged, so re-running their manifest skips them and the new index would stay empty.
 * Each recording is replaced whole, so searches keep finding it while the others are written. Its chapters are
 * titled again from its transcript, as this version titles them, their boundaries kept.
 */
export async function reindexLexical(s: Services, onProgress: (done: number, total: number) => void = () => {}): Promise<ReindexSummary> {
  const ids: string[] = [];
  for await (const id of s.archive.allRecordingIds()) ids.push(id);
  onProgress(0, ids.length);
  let moments = 0;
  let chapters = 0;
  let done = 0;
  for (const id of ids) {
    const rec = await s.archive.get(id);
    if (rec) {
      const docs = lexicalDocs(s, rec, await s.archive.moments(id));
      await s.lexical.replaceRecording(id, docs);
      moments += docs.length;
      const stored = await s.chapters.list(id);
      if (stored.length) {
        await s.chapters.replace(id, retitleChapters(await s.archive.segments(id), stored, analysisOf(rec.language, s.cfg.DEFAULT_LANGUAGE)));
        chapters += stored.length;
      }
    }
    onProgress(++done, ids.length);
  }
  await s.cache.bumpGeneration();
  return { recordings: ids.length, moments, chapters };
}
