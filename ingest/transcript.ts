import { createHash } from 'node:crypto';
import type { Cue, Moment, RecordingMeta } from '../src/domain.js';
import { parseTranscript } from '../src/transcript/index.js';
import type { Services } from '../src/services.js';
import { storeChapters } from './chapters/index.js';
import { buildMoments, type MomentSettings } from './moments.js';

// Bump when moment building or indexing changes, so unchanged transcripts are re-indexed once.
// 2: chapters.
const PIPELINE_VERSION = 2;

export interface TranscriptInput {
  meta: RecordingMeta;
  fileName: string;
  content: string;
}

export interface IngestOutcome {
  id: string;
  status: 'ingested' | 'unchanged';
  moments: number;
}

export function momentSettings(s: Services): MomentSettings {
  return { targetS: s.cfg.MOMENT_TARGET_S, maxS: s.cfg.MOMENT_MAX_S, overlapS: s.cfg.MOMENT_OVERLAP_S };
}

/** The text a moment is indexed and embedded by: who speaks is part of what is searched for. */
export function indexedText(m: Pick<Moment, 'speakers' | 'text'>): string {
  return m.text;
}

/**
 * Parses and indexes one transcript. Everything that can fail on bad input (parsing, embedding) happens
 * before anything is written, so a bad upload leaves the stored recording as it was.
 */
export async function ingestTranscript(s: Services, input: TranscriptInput): Promise<IngestOutcome> {
  const cues = parseTranscript(input.fileName, input.content);
  const settings = momentSettings(s);
  const contentHash = createHash('sha256')
    .update(JSON.stringify({ v: PIPELINE_VERSION, meta: input.meta, settings, model: s.embedder?.model ?? null, lexical: s.lexical.engine }))
    .update(input.content)
    .digest('hex');
  const existing = await s.archive.get(input.meta.id);
  if (existing && existing.status === 'ready' && existing.contentHash === contentHash) {
    return { id: input.meta.id, status: 'unchanged', moments: existing.momentCount ?? 0 };
  }
  const moments = buildMoments(input.meta.id, cues, settings);
  await indexContent(s, input.meta, cues, moments, contentHash);
  return { id: input.meta.id, status: 'ingested', moments: moments.length };
}

/** Writes a parsed transcript to every store. Shared by transcript import and the audio pipeline. */
export async function indexContent(s: Services, meta: RecordingMeta, cues: Cue[], moments: Moment[], contentHash: string): Promise<void> {
  const vectors = s.embedder ? await s.embedder.embed(moments.map(indexedText)) : null;
  await s.archive.upsert(meta, { status: 'processing' });
  try {
    const durationS = cues.reduce((a, c) => Math.max(a, c.end), 0);
    await s.archive.replaceContent(meta.id, { cues, moments, durationS });
    await s.lexical.replaceRecording(
      meta.id,
      moments.map((m) => ({
        momentId: m.id,
        recordingId: meta.id,
        recordedAt: meta.recordedAt,
        collection: meta.collection,
        speakers: m.speakers,
        start: m.start,
        end: m.end,
        text: indexedText(m),
      })),
    );
    if (s.vectors && vectors) {
      await s.vectors.replaceRecording(
        meta.id,
        moments.map((m, i) => ({
          momentId: m.id,
          recordingId: meta.id,
          recordedAt: meta.recordedAt,
          collection: meta.collection,
          speakers: m.speakers,
          vector: vectors[i],
        })),
      );
    }
    // Chapters reuse the moments' vectors; a failure there is logged and leaves the recording without chapters.
    await storeChapters(s, meta.id, cues, moments, vectors);
    await s.archive.markReady(meta.id, contentHash);
  } catch (err) {
    await s.archive.setStatus(meta.id, 'failed', (err as Error).message).catch(() => {});
    throw err;
  } finally {
    await s.cache.bumpGeneration();
  }
}

/** A URL- and filesystem-safe id from a title or file name, with a short hash so equal titles differ. */
export function slugId(base: string, salt: string): string {
  const slug = base
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
  const h = createHash('sha1').update(salt).digest('hex').slice(0, 6);
  return `${slug || 'recording'}-${h}`;
}
