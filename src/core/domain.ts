/** Shared domain types. Times are seconds from the start of the recording. */

export interface Word {
  start: number;
  end: number;
  text: string;
  confidence?: number;
  speaker?: string;
}

/** One timed piece of transcript as it came from a file or an ASR engine: a cue, a segment, a turn. */
export interface Cue {
  start: number;
  end: number;
  text: string;
  speaker?: string;
  /**
   * The label the transcript or diarization gave the speaker, when `speaker` is a name an archivist gave that
   * label since (src/ingest/speakers.ts); absent when the speaker is shown as it came.
   */
  label?: string;
  words?: Word[];
}

export interface RecordingMeta {
  id: string;
  title: string;
  /** ISO date YYYY-MM-DD, or null when the recording is undated. */
  recordedAt: string | null;
  collection: string | null;
  language: string | null;
  source: string | null;
}

export type RecordingStatus = 'pending' | 'processing' | 'ready' | 'failed';

export interface Recording extends RecordingMeta {
  durationS: number | null;
  checksum: string | null;
  status: RecordingStatus;
  createdAt: string;
  updatedAt: string;
  momentCount?: number;
  speakers?: string[];
}

/**
 * What a moment is of: 'speech' (a window of the transcript) or 'screen' (the text read off a video keyframe,
 * at the frame's time). Everything indexed before video is speech, and so is a moment without a kind.
 */
export type MomentKind = 'speech' | 'screen';
export const MOMENT_KINDS: readonly MomentKind[] = ['speech', 'screen'];

/** The unit of retrieval: a passage of one or a few speaker turns, or the text on screen at a keyframe. */
export interface Moment {
  /** `<recordingId>#<seq>`, stable for a given transcript and moment settings. */
  id: string;
  recordingId: string;
  seq: number;
  start: number;
  end: number;
  speakers: string[];
  text: string;
  /** Absent: 'speech'. */
  kind?: MomentKind;
}

/** Filters shared by every retrieval leg. Dates are inclusive ISO dates. */
export interface SearchFilters {
  recordingId?: string;
  collection?: string;
  speaker?: string;
  from?: string;
  to?: string;
  /** Only moments of this kind (unset: both). */
  kind?: MomentKind;
  /** Only moments that say each of these phrases, their words in order (src/core/phrases.ts). */
  phrases?: string[];
}

export type SearchMode = 'hybrid' | 'bm25' | 'vector';
