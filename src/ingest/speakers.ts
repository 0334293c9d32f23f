/**
 * Naming speakers. Diarization labels a recording's speakers SPEAKER_00, SPEAKER_01…; an archivist names a
 * label ("Margaret Hale") or merges two labels into one speaker. The names are stored per recording and label
 * (SpeakerStore), applied whenever the recording is indexed again (indexContent), and a change re-indexes that
 * recording's moments at once, so the speaker filter and "what did Margaret Hale say about…" find them.
 */
import { AppError, type Cue, type Moment } from '../core/index.js';
import type { NameChange, RecordingSpeaker, Services } from '../archive/index.js';
import { buildMoments } from './moments.js';
import { withSpeakerNames } from './speaker-names.js';
import { lexicalDocs, momentSettings } from './transcript.js';

/** Longest speaker name, in characters. */
export const MAX_SPEAKER_NAME = 100;

/** A name as given: trimmed, one space between words, 1–100 characters of text. */
export function cleanSpeakerName(name: string): string {
  const clean = name.replace(/\s+/g, ' ').trim();
  if (!clean) throw new AppError('bad_request', 'name: a speaker name cannot be empty');
  if ([...clean].length > MAX_SPEAKER_NAME) throw new AppError('bad_request', `name: at most ${MAX_SPEAKER_NAME} characters`);
  // Control characters (NUL among them) have no place in a name shown on pages and in exports.
  if (/\p{Cc}/u.test(clean)) throw new AppError('bad_request', 'name: control characters are not allowed');
  return clean;
}

export interface SpeakerChange {
  recordingId: string;
  /** The labels that now show `name`. */
  labels: string[];
  name: string;
  speakers: RecordingSpeaker[];
}

/**
 * Names labels of one recording. Each of `labels` is a label as the recording came (SPEAKER_00) or the name it
 * is shown under now, which stands for every label that shows it. Unknown recording or label: not_found.
 */
export async function renameSpeakers(s: Services, recordingId: string, labels: string[], name: string, actor: string): Promise<SpeakerChange> {
  const clean = cleanSpeakerName(name);
  const { speakers, resolved } = await resolveLabels(s, recordingId, labels);
  const changes: NameChange[] = resolved.map((label) => ({ label, name: clean }));
  await applyChanges(s, recordingId, changes);
  await s.keys.audit(actor, 'speaker.rename', recordingId, { labels: resolved, from: [...new Set(resolved.map((l) => speakers.find((x) => x.label === l)!.name))], name: clean });
  return { recordingId, labels: resolved, name: clean, speakers: await s.speakers.ofRecording(recordingId) };
}

/**
 * Merges labels of one recording into one speaker: every label of `labels` and of `into` shows the name `into`
 * is shown under (a label or name of the recording), or `into` itself when the recording has no such speaker.
 */
export async function mergeSpeakers(s: Services, recordingId: string, labels: string[], into: string, actor: string): Promise<SpeakerChange> {
  const target = cleanSpeakerName(into);
  const { speakers, resolved } = await resolveLabels(s, recordingId, labels);
  const existing = matching(speakers, target);
  const name = existing.length ? existing[0].name : target;
  const all = [...new Set([...resolved, ...existing.map((x) => x.label)])];
  if (all.length < 2) {
    // A new name is for labels merged under it; for one speaker alone it is an `into` that names no speaker.
    if (!existing.length) throw new AppError('not_found', `recording "${recordingId}" has no speaker "${target}" to merge into (its speakers: ${speakerList(speakers)})`);
    throw new AppError('bad_request', 'labels: a merge needs at least two speakers of the recording (labels and into)');
  }
  await applyChanges(s, recordingId, all.map((label) => ({ label, name })));
  await s.keys.audit(actor, 'speaker.merge', recordingId, { labels: all, name });
  return { recordingId, labels: all, name, speakers: await s.speakers.ofRecording(recordingId) };
}

/** The speakers of a recording; not_found when there is no such recording. */
export async function recordingSpeakers(s: Services, recordingId: string): Promise<RecordingSpeaker[]> {
  if (!(await s.archive.get(recordingId))) throw new AppError('not_found', `no recording "${recordingId}"`);
  return s.speakers.ofRecording(recordingId);
}

/**
 * Writes the recording's stored names over what shows its speakers now, when they differ from `applied`, the
 * names an ingest wrote its version under: a speaker named while that version was being written keeps its name.
 */
export async function catchUpSpeakerNames(s: Services, recordingId: string, applied: Map<string, string>): Promise<void> {
  const names = await s.speakers.names(recordingId);
  if (names.size === applied.size && [...names].every(([label, name]) => applied.get(label) === name)) return;
  const labels = (await s.speakers.ofRecording(recordingId)).map((x) => x.label);
  await applyChanges(s, recordingId, labels.map((label) => ({ label, name: names.get(label) ?? label })));
}

/** A label of the recording, or a name standing for the labels shown under it (exact first, then any case). */
function matching(speakers: RecordingSpeaker[], given: string): RecordingSpeaker[] {
  const byLabel = speakers.filter((x) => x.label === given);
  if (byLabel.length) return byLabel;
  const byName = speakers.filter((x) => x.name === given);
  if (byName.length) return byName;
  const lower = given.toLowerCase();
  return speakers.filter((x) => x.label.toLowerCase() === lower || x.name.toLowerCase() === lower);
}

const speakerList = (speakers: RecordingSpeaker[]) => speakers.map((x) => (x.named ? `${x.label} (${x.name})` : x.label)).join(', ') || 'none';

async function resolveLabels(s: Services, recordingId: string, labels: string[]): Promise<{ speakers: RecordingSpeaker[]; resolved: string[] }> {
  const speakers = await recordingSpeakers(s, recordingId);
  const resolved: string[] = [];
  for (const given of labels) {
    const found = matching(speakers, given.trim());
    if (found.length === 0) {
      throw new AppError('not_found', `recording "${recordingId}" has no speaker "${given}" (its speakers: ${speakerList(speakers)})`);
    }
    for (const x of found) if (!resolved.includes(x.label)) resolved.push(x.label);
  }
  return { speakers, resolved };
}

/**
 * Writes the names and re-indexes the recording's moments from what is stored: the lexical documents carry
 * the speakers, the vectors' rows too (their vectors stay: who speaks is not in the embedded text). The
 * cache generation is bumped as an ingest does, so no cached search still shows the old names.
 */
async function applyChanges(s: Services, recordingId: string, changes: NameChange[]): Promise<void> {
  const rec = await s.archive.get(recordingId);
  if (!rec) throw new AppError('not_found', `no recording "${recordingId}"`);
  const names = await s.speakers.names(recordingId);
  for (const c of changes) names.set(c.label, c.name);
  const cues = withSpeakerNames(names, await s.archive.segments(recordingId), []).cues;
  const stored = await s.archive.moments(recordingId);
  const moments = momentSpeakers(s, recordingId, cues, stored);
  const changed = moments.filter((m, i) => m.speakers.join('\n') !== stored[i].speakers.join('\n'));
  await s.speakers.applyNames(recordingId, changes, changed.map((m) => ({ id: m.id, speakers: m.speakers })));
  try {
    await s.lexical.replaceRecording(recordingId, lexicalDocs(s, rec, moments));
    await s.vectors?.setSpeakers(recordingId, changed.map((m) => ({ momentId: m.id, speakers: m.speakers })));
  } finally {
    await s.cache.bumpGeneration();
  }
}

/**
 * The stored moments with the speakers the named cues give them. A speech moment is rebuilt from the cues as
 * ingest built it; where the rebuilt moment differs (moment settings changed since), its speakers are those of
 * the cues it overlaps, in order of first appearance.
 */
function momentSpeakers(s: Services, recordingId: string, cues: Cue[], stored: Moment[]): Moment[] {
  const rebuilt = new Map(buildMoments(recordingId, cues, momentSettings(s)).map((m) => [m.id, m]));
  return stored.map((m) => {
    if ((m.kind ?? 'speech') !== 'speech') return m;
    const r = rebuilt.get(m.id);
    if (r && r.start === m.start && r.end === m.end && r.text === m.text) return { ...m, speakers: r.speakers };
    const EPS = 0.001;
    const over = cues.filter((c) => c.speaker && c.start < m.end - EPS && c.end > m.start + EPS).map((c) => c.speaker!);
    return { ...m, speakers: [...new Set(over)] };
  });
}
