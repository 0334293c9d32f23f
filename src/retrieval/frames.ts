import type { SearchFilters } from '../core/index.js';
import type { Frame, Services, StoredRecording } from '../archive/index.js';
import { deepLink } from './search.js';

/** Where a keyframe's JPEG thumbnail is served (GET /v1/recordings/{id}/frames/{n}.jpg). */
export function thumbnailUrl(recordingId: string, n: number): string {
  return `/v1/recordings/${encodeURIComponent(recordingId)}/frames/${n}.jpg`;
}

export interface FrameHit {
  recording_id: string;
  recording_title: string;
  recorded_at: string | null;
  /** The keyframe's position in its recording, from 0. */
  n: number;
  at: number;
  /** Cosine similarity of the frame's image to the question's words. */
  score: number;
  /** The text read off the frame ('' when none). */
  text: string;
  url: string;
  thumbnail_url: string;
}

/**
 * Keyframes whose picture is close to the question's words in the visual embedder's image-and-text space: what a
 * film shows, found where no word on screen or in the speech says it. null when no visual embedder is configured
 * (VISUAL_EMBEDDINGS=off); frames below VISUAL_MIN_SIMILARITY are left out, so an unrelated question shows none.
 */
export async function searchFrames(s: Services, q: string, filters: Pick<SearchFilters, 'recordingId' | 'collection' | 'from' | 'to'>, limit: number): Promise<FrameHit[] | null> {
  if (!s.visual || !s.frameVectors) return null;
  const [vector] = await s.visual.embedTexts([q]);
  const hits = (await s.frameVectors.search(vector, filters, limit)).filter((h) => h.score >= s.cfg.VISUAL_MIN_SIMILARITY);
  const out: FrameHit[] = [];
  // Each recording's row and keyframes are read once, however many of its frames match.
  const recordings = new Map<string, Promise<[StoredRecording | null, Frame[]]>>();
  for (const h of hits) {
    let read = recordings.get(h.recordingId);
    if (!read) recordings.set(h.recordingId, (read = Promise.all([s.archive.get(h.recordingId), s.archive.frames(h.recordingId)])));
    const [rec, frames] = await read;
    if (!rec) continue;
    out.push({
      recording_id: h.recordingId,
      recording_title: rec.title,
      recorded_at: rec.recordedAt,
      n: h.n,
      at: h.at,
      score: Math.round(h.score * 1e4) / 1e4,
      text: frames.find((f) => f.n === h.n)?.text ?? '',
      url: deepLink(h.recordingId, h.at),
      thumbnail_url: thumbnailUrl(h.recordingId, h.n),
    });
  }
  return out;
}
