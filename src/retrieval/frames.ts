import type { SearchFilters } from '../core/index.js';
import type { Services } from '../archive/index.js';
import { deepLink } from './search.js';

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
  const recordings = new Map<string, Awaited<ReturnType<Services['archive']['get']>>>();
  for (const h of hits) {
    if (!recordings.has(h.recordingId)) recordings.set(h.recordingId, await s.archive.get(h.recordingId));
    const rec = recordings.get(h.recordingId);
    if (!rec) continue;
    const text = (await s.archive.frames(h.recordingId)).find((f) => f.n === h.n)?.text ?? '';
    out.push({
      recording_id: h.recordingId,
      recording_title: rec.title,
      recorded_at: rec.recordedAt,
      n: h.n,
      at: h.at,
      score: Math.round(h.score * 1e4) / 1e4,
      text,
      url: deepLink(h.recordingId, h.at),
      thumbnail_url: `/v1/recordings/${encodeURIComponent(h.recordingId)}/frames/${h.n}.jpg`,
    });
  }
  return out;
}
