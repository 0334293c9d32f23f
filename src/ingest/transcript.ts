import { createHash } from 'node:crypto';
import { analysisOf, type Cue, detectTranscriptLanguage, type FrameVectorItem, type LexicalDoc, type Moment, type RecordingMeta, writeAbbreviatedYears } from '../core/index.js';
import { parseTranscript, type TranscriptLimits } from './formats/index.js';
import type { Frame, Services } from '../archive/index.js';
import { storeChapters } from './chapters/index.js';
import { buildMoments, type MomentSettings } from './moments.js';
import { withSpeakerNames } from './speaker-names.js';
import { catchUpSpeakerNames } from './speakers.js';

// Bump when moment building or indexing changes, so unchanged transcripts are re-indexed once.
// 2: chapters. 3: acronyms spelled letter by letter ("L_C_D_") joined (formats/index.ts joinSpelledLetters).
const PIPELINE_VERSION = 3;

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

export function transcriptLimits(s: Services): TranscriptLimits {
  return { maxBytes: s.cfg.TRANSCRIPT_MAX_MB * 1024 * 1024, maxCues: s.cfg.TRANSCRIPT_MAX_CUES, maxCueWords: s.cfg.TRANSCRIPT_MAX_CUE_WORDS };
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
  const cues = parseTranscript(input.fileName, input.content, transcriptLimits(s));
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
  await indexContent(s, withLanguageOf(s, input.meta, cues), cues, moments, contentHash);
  return { id: input.meta.id, status: 'ingested', moments: moments.length };
}

/**
 * A transcript that names no language is read as its talk's language when its words tell it clearly, so that a
 * bulk load of Spanish and German transcripts without a language column is not all analysed as DEFAULT_LANGUAGE.
 */
function withLanguageOf(s: Services, meta: RecordingMeta, cues: Cue[]): RecordingMeta {
  if (meta.language) return meta;
  const language = detectTranscriptLanguage(cues.map((c) => c.text).join(' '));
  if (!language || language === s.cfg.DEFAULT_LANGUAGE) return meta;
  s.log.info({ recordingId: meta.id, language }, 'transcript language read from its words');
  return { ...meta, language };
}

/** Row fields a media ingest knows besides the transcript. */
export interface IndexFields {
  checksum?: string | null;
  durationS?: number | null;
  /** A video's keyframes (their screen moments are among the moments); none for audio and transcripts. */
  frames?: Frame[];
  /** The keyframes' image vectors (a visual embedder's), written when one is configured. */
  frameVectors?: FrameVectorItem[];
}

/**
 * Writes a parsed transcript to every store. Shared by transcript import and the audio pipeline.
 *
 * A recording that is ready stays ready and searchable while its new version is written; if any write fails,
 * its previous version (row, segments, moments, lexical and vector index, chapters) is written back before the
 * error goes on, so a failed re-ingest never leaves a served recording `failed` or half replaced. A recording
 * that was not ready is marked `failed` with the reason, as there is nothing to go back to.
 */
export async function indexContent(s: Services, meta: RecordingMeta, given: Cue[], givenMoments: Moment[], contentHash: string, fields: IndexFields = {}): Promise<void> {
  // The names archivists gave this recording's speaker labels hold for every version of it.
  const names = await s.speakers.names(meta.id);
  const { cues, moments } = withSpeakerNames(names, given, givenMoments);
  const vectors = s.embedder ? await s.embedder.embed(moments.map(indexedText)) : null;
  const previous = await s.archive.get(meta.id);
  const backup =
    previous?.status === 'ready'
      ? { row: previous, cues: await s.archive.segments(meta.id), moments: await s.archive.moments(meta.id), frames: await s.archive.frames(meta.id) }
      : null;
  const { frames, frameVectors, ...rowFields } = fields;
  const framesBefore = backup?.frames ?? (await s.archive.frames(meta.id));
  await s.archive.upsert(meta, { status: backup ? 'ready' : 'processing', ...rowFields });
  let replaced = false;
  try {
    // Segments, moments, speakers and keyframes change in one transaction: until it commits, the old ones are intact.
    await s.archive.replaceContent(meta.id, { cues, moments, durationS: cues.reduce((a, c) => Math.max(a, c.end), 0), frames });
    replaced = true;
    await writeIndexes(s, meta, cues, moments, vectors);
    // Without keyframes now (a video ingested again as a transcript) the recording has no frame vectors either.
    if (s.frameVectors) await s.frameVectors.replaceRecording(meta.id, frameVectors ?? []);
    await s.archive.markReady(meta.id, contentHash);
  } catch (err) {
    if (backup) {
      try {
        const { row } = backup;
        if (replaced) {
          const oldMeta: RecordingMeta = { id: row.id, title: row.title, recordedAt: row.recordedAt, collection: row.collection, language: row.language, source: row.source };
          const oldVectors = s.embedder && s.vectors ? await s.embedder.embed(backup.moments.map(indexedText)) : null;
          await s.archive.replaceContent(row.id, { cues: backup.cues, moments: backup.moments, durationS: row.durationS ?? 0, frames: backup.frames });
          await writeIndexes(s, oldMeta, backup.cues, backup.moments, oldVectors);
        }
        await s.archive.restore(row);
        s.log.warn({ err, recordingId: meta.id }, 're-ingest failed; the previous version is served again');
      } catch (restoreErr) {
        s.log.error({ err: restoreErr, recordingId: meta.id }, 're-ingest failed and the previous version could not be written back');
        await s.archive.setStatus(meta.id, 'failed', (err as Error).message).catch(() => {});
      }
    } else {
      await s.archive.setStatus(meta.id, 'failed', (err as Error).message).catch(() => {});
    }
    throw err;
  } finally {
    await s.cache.bumpGeneration();
  }
  // A speaker named while this version was being written keeps its name; the version stands either way.
  await catchUpSpeakerNames(s, meta.id, names).catch((err: unknown) => s.log.warn({ err, recordingId: meta.id }, 'speaker names given during the ingest are not shown yet'));
  // The previous version's thumbnails go once the new version is served.
  const kept = new Set((frames ?? []).map((f) => f.thumbKey));
  for (const f of framesBefore) if (!kept.has(f.thumbKey)) await s.blobs.delete(f.thumbKey).catch(() => {});
}

/** What the lexical index holds of a recording's moments (ingest and `reindex` alike). */
export function lexicalDocs(s: Services, meta: Pick<RecordingMeta, 'id' | 'recordedAt' | 'collection' | 'language'>, moments: Moment[]): LexicalDoc[] {
  const analysis = analysisOf(meta.language, s.cfg.DEFAULT_LANGUAGE);
  const year = Number(meta.recordedAt?.slice(0, 4)) || new Date().getUTCFullYear();
  return moments.map((m) => ({
    momentId: m.id,
    recordingId: meta.id,
    recordedAt: meta.recordedAt,
    collection: meta.collection,
    speakers: m.speakers,
    start: m.start,
    end: m.end,
    // A year said by its last two digits ('67) is also indexed whole, as of the recording's date (after the text).
    text: writeAbbreviatedYears(indexedText(m), year),
    analysis,
    kind: m.kind,
  }));
}

/** The lexical and vector indexes and the chapters of a recording whose rows hold these cues and moments. */
export async function writeIndexes(s: Services, meta: RecordingMeta, cues: Cue[], moments: Moment[], vectors: Float32Array[] | null): Promise<void> {
  const analysis = analysisOf(meta.language, s.cfg.DEFAULT_LANGUAGE);
  await s.lexical.replaceRecording(meta.id, lexicalDocs(s, meta, moments));
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
        kind: m.kind,
      })),
    );
  }
  // Chapters are topics of the talk, and reuse the speech moments' vectors; a failure there is logged and
  // leaves the recording without chapters.
  const speech = moments.flatMap((m, i) => ((m.kind ?? 'speech') === 'speech' ? [i] : []));
  await storeChapters(s, meta.id, cues, speech.map((i) => moments[i]), vectors && speech.map((i) => vectors[i]), analysis);
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
