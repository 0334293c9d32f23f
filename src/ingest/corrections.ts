import { AppError, type Cue, type Moment, type RecordingMeta } from '../core/index.js';
import type { CorrectionWrite, RecordingFields, Revision, SegmentFields, Services, StoredRecording, StoredSegment } from '../archive/index.js';
import { buildMoments } from './moments.js';
import { indexedText, momentSettings, writeIndexes } from './transcript.js';

/**
 * Corrections: an archivist fixes a recording's metadata or one transcript line. The rows and the revision are
 * written in one transaction (src/archive/revisions.ts); the indexes are then rewritten from the corrected data
 * (lexical documents carry the date, collection and language; vectors are partitioned by date and moments are
 * derived from the lines), and the search cache is invalidated. When indexing fails, the rows are put back,
 * the revision forgotten and the indexes rewritten as they were, so a failed correction changes nothing.
 *
 * A correction leaves the recording's content hash alone: ingesting the same source again is still
 * "unchanged" and keeps the corrections; a changed source file replaces them.
 */

export type RecordingPatch = Partial<RecordingFields>;
export type SegmentPatch = Partial<SegmentFields>;

export interface CorrectionOutcome<T> {
  /** null when the values sent were the stored ones: nothing changed, nothing recorded. */
  revision: Revision | null;
  value: T;
}

const RECORDING_FIELDS = ['title', 'recorded_at', 'collection', 'language'] as const;
const SEGMENT_FIELDS = ['start', 'end', 'speaker', 'text'] as const;

/** Corrections of one recording run one at a time in this process (another process is refused by the row check). */
const queues = new Map<string, Promise<unknown>>();
function serialised<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(id) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => {});
  queues.set(id, tail);
  void tail.then(() => {
    if (queues.get(id) === tail) queues.delete(id);
  });
  return run;
}

async function correctable(s: Services, id: string): Promise<StoredRecording> {
  const rec = await s.archive.get(id);
  if (!rec) throw new AppError('not_found', `no recording "${id}"`);
  // A recording still being ingested would have its corrections overwritten when the ingest finishes.
  if (rec.status !== 'ready') throw new AppError('conflict', `recording "${id}" is ${rec.status}: only a ready recording can be corrected`);
  return rec;
}

const fieldsOf = (r: StoredRecording): RecordingFields => ({ title: r.title, recorded_at: r.recordedAt, collection: r.collection, language: r.language });
const metaOf = (r: StoredRecording, f: RecordingFields): RecordingMeta => ({
  id: r.id,
  title: f.title,
  recordedAt: f.recorded_at,
  collection: f.collection,
  language: f.language,
  source: r.source,
});

/** The fields whose value differs, with their values before and after. */
function changed<K extends string>(keys: readonly K[], before: Record<K, unknown>, after: Record<K, unknown>) {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of keys) {
    if (before[k] !== after[k]) {
      b[k] = before[k];
      a[k] = after[k];
    }
  }
  return Object.keys(a).length ? { before: b, after: a } : null;
}

/** Corrects a recording's title, date, collection or language; a date, collection or language change re-indexes it. */
export function correctRecording(
  s: Services,
  id: string,
  patch: RecordingPatch,
  actor: string,
  revertOf?: number,
): Promise<CorrectionOutcome<StoredRecording>> {
  return serialised(id, async () => {
    const rec = await correctable(s, id);
    const before = fieldsOf(rec);
    const after: RecordingFields = { ...before };
    for (const k of RECORDING_FIELDS) if (patch[k] !== undefined) (after as unknown as Record<string, unknown>)[k] = patch[k];
    if (!after.title.trim()) throw new AppError('bad_request', 'title: must not be empty');
    const diff = changed(RECORDING_FIELDS, before, after);
    if (!diff) return { revision: null, value: rec };
    const cues = await s.archive.segments(id);
    const moments = await s.archive.moments(id);
    const vectors = await embed(s, moments);
    const write: CorrectionWrite = { recordingId: id, seenUpdatedAt: rec.updatedAt, row: after };
    const revision = await s.revisions.apply(write, { actor, target: 'recording', seq: null, ...diff, revertOf });
    await reindexOrUndo(s, revision, { ...write, row: before }, () => writeIndexes(s, metaOf(rec, after), cues, moments, vectors), () =>
      writeIndexes(s, metaOf(rec, before), cues, moments, vectors),
    );
    return { revision, value: (await s.archive.get(id))! };
  });
}

/**
 * Corrects one transcript line (its text, speaker label or times). The line keeps its place: its start stays
 * between its neighbours' starts and it ends after it starts, within the recording. The recording's speech
 * moments are derived again from the lines and re-indexed in both legs.
 */
export function correctSegment(
  s: Services,
  id: string,
  seq: number,
  patch: SegmentPatch,
  actor: string,
  revertOf?: number,
): Promise<CorrectionOutcome<StoredSegment>> {
  return serialised(id, async () => {
    const rec = await correctable(s, id);
    const lines = await s.revisions.segments(id);
    const at = lines.findIndex((l) => l.seq === seq);
    if (at < 0) throw new AppError('not_found', `recording "${id}" has no transcript line ${seq} (it has ${lines.length}, from 0)`);
    const old = lines[at];
    const next: StoredSegment = { ...old };
    for (const k of SEGMENT_FIELDS) if (patch[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = patch[k];
    checkTimes(next, lines[at - 1], lines[at + 1], rec.durationS);
    if (!next.text.trim()) throw new AppError('bad_request', 'text: must not be empty');
    const diff = changed(SEGMENT_FIELDS, old, next);
    if (!diff) return { revision: null, value: old };
    // Word timings belong to the words as recognised: they no longer fit a line whose text or times changed.
    if ('text' in diff.after || 'start' in diff.after || 'end' in diff.after) next.words = null;
    const newLines = lines.map((l, i) => (i === at ? next : l));
    const moments = await s.archive.moments(id);
    const screen = moments.filter((m) => m.kind === 'screen');
    const oldSpeech = moments.filter((m) => m.kind !== 'screen');
    const newSpeech = buildMoments(id, newLines.map(toCue), momentSettings(s));
    const newMoments = [...newSpeech, ...screen];
    const vectors = await embed(s, newMoments);
    const write: CorrectionWrite = { recordingId: id, seenUpdatedAt: rec.updatedAt, segment: next, speech: newSpeech };
    const revision = await s.revisions.apply(write, { actor, target: 'segment', seq, ...diff, revertOf });
    const meta = metaOf(rec, fieldsOf(rec));
    await reindexOrUndo(
      s,
      revision,
      { ...write, segment: old, speech: oldSpeech },
      () => writeIndexes(s, meta, newLines.map(toCue), newMoments, vectors),
      async () => writeIndexes(s, meta, lines.map(toCue), moments, await embed(s, moments)),
    );
    return { revision, value: next };
  });
}

/** Undoes one revision: its fields are set back to their values before it, recorded as a new revision. */
export async function revertRevision(s: Services, id: string, rev: number, actor: string): Promise<CorrectionOutcome<unknown>> {
  if (!(await s.archive.get(id))) throw new AppError('not_found', `no recording "${id}"`);
  const r = await s.revisions.get(id, rev);
  if (!r) throw new AppError('not_found', `recording "${id}" has no revision ${rev}`);
  return r.target === 'recording'
    ? correctRecording(s, id, r.before as RecordingPatch, actor, r.rev)
    : correctSegment(s, id, r.seq!, r.before as SegmentPatch, actor, r.rev);
}

function checkTimes(g: SegmentFields, prev: SegmentFields | undefined, next: SegmentFields | undefined, durationS: number | null): void {
  const bad = (field: string, why: string) => new AppError('bad_request', `${field}: ${why}`);
  if (!(g.start >= 0)) throw bad('start', 'must be 0 or more');
  if (!(g.end > g.start)) throw bad('end', `must be after start (${g.start})`);
  if (durationS !== null && g.end > durationS + 1e-6) throw bad('end', `must be within the recording (${durationS} s)`);
  if (prev && g.start < prev.start) throw bad('start', `must not be before the previous line's start (${prev.start}): lines keep their order`);
  if (next && g.start > next.start) throw bad('start', `must not be after the next line's start (${next.start}): lines keep their order`);
}

const toCue = (l: StoredSegment): Cue => ({
  start: l.start,
  end: l.end,
  text: l.text,
  ...(l.speaker ? { speaker: l.speaker } : {}),
  ...(l.words ? { words: l.words } : {}),
});

// Every moment is embedded again: the vector index has no read of stored vectors, and the embedding cache
// (DATA_DIR/embed-cache) answers the unchanged texts without the model.
async function embed(s: Services, moments: Moment[]): Promise<Float32Array[] | null> {
  return s.embedder && s.vectors ? s.embedder.embed(moments.map(indexedText)) : null;
}

async function reindexOrUndo(s: Services, revision: Revision, undo: CorrectionWrite, reindex: () => Promise<void>, reindexOld: () => Promise<void>): Promise<void> {
  try {
    await reindex();
  } catch (err) {
    try {
      // The undo's row check compares against the correction's own write.
      const now = await s.archive.get(revision.recordingId);
      await s.revisions.undo({ ...undo, seenUpdatedAt: now?.updatedAt ?? undo.seenUpdatedAt }, revision.rev);
      await reindexOld();
      s.log.warn({ err, recordingId: revision.recordingId }, 'a correction could not be indexed; it was undone');
    } catch (undoErr) {
      s.log.error({ err: undoErr, recordingId: revision.recordingId, rev: revision.rev }, 'a correction could not be indexed nor undone');
    }
    throw err;
  } finally {
    await s.cache.bumpGeneration();
  }
}
