import type { Analysis, Cue, Moment } from '../../core/index.js';
import type { Services } from '../../archive/index.js';
import { segmentChapters, type Chapter, type ChapterParams, type PassageVector } from './segment.js';

export { retitleChapters, segmentChapters, DEFAULT_CHAPTER_PARAMS, type Chapter, type ChapterParams } from './segment.js';

/**
 * Chapters of a transcript as ingest computes them: the moments' embeddings (already computed for the vector
 * index, so chapters cost no extra embedding) join the lexical similarity when there are any.
 */
export function chaptersFor(cues: Cue[], moments: Moment[], vectors: Float32Array[] | null, params?: Partial<ChapterParams>, language?: Analysis): Chapter[] {
  const passages: PassageVector[] | null = vectors && vectors.length === moments.length
    ? moments.map((m, i) => ({ start: m.start, end: m.end, vector: vectors[i] }))
    : null;
  return segmentChapters(cues, { vectors: passages, params, language });
}

/**
 * Computes and stores a recording's chapters. Never throws: chapters are an extra, so a failure is logged and
 * the recording is left with none (rather than with stale ones of an earlier transcript).
 */
export async function storeChapters(s: Services, recordingId: string, cues: Cue[], moments: Moment[], vectors: Float32Array[] | null, language?: Analysis): Promise<number> {
  const store = s.chapters;
  try {
    const t0 = performance.now();
    const chapters = chaptersFor(cues, moments, vectors, undefined, language);
    await store.replace(recordingId, chapters);
    s.log.debug({ recordingId, chapters: chapters.length, ms: Math.round(performance.now() - t0) }, 'chapters');
    return chapters.length;
  } catch (err) {
    s.log.warn({ err, recordingId }, 'chapters failed; the recording is stored without chapters');
    await store.replace(recordingId, []).catch(() => {});
    return 0;
  }
}
