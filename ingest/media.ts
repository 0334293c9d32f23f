import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { RecordingMeta } from '../src/domain.js';
import type { Services } from '../src/services.js';
import { transcribeMedia } from './audio/transcribe.js';
import { buildMoments } from './moments.js';
import { indexContent, momentSettings, type IngestOutcome } from './transcript.js';
import { engineSettings } from '../src/config.js';

export const MEDIA_EXTENSIONS = /\.(mp3|wav|m4a|aac|flac|ogg|oga|opus|mp4|mkv|mov|webm)$/i;

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Audio or video in, an indexed speaker-labelled transcript out: decode → VAD → chunked ASR ∥ diarization
 * → stitch → sentences, then the same moments and indexes as an imported transcript. The same file
 * (by sha256) with the same settings is not transcribed twice.
 */
export async function ingestMedia(
  s: Services,
  file: string,
  meta: RecordingMeta,
  onProgress?: (stage: string, fraction: number) => void,
): Promise<IngestOutcome & { rtf?: number; speakers?: string[] }> {
  const checksum = await sha256File(file);
  const settings = momentSettings(s);
  const contentHash = createHash('sha256')
    .update(JSON.stringify({ media: checksum, meta, settings, model: s.embedder?.model ?? null, asr: engineSettings().ASR_ENGINE }))
    .digest('hex');
  const existing = await s.archive.get(meta.id);
  if (existing?.status === 'ready' && existing.contentHash === contentHash) {
    return { id: meta.id, status: 'unchanged', moments: existing.momentCount ?? 0 };
  }
  const out = await transcribeMedia(file, { onProgress: (stage, f) => onProgress?.(stage, f), maxS: s.cfg.MAX_MEDIA_HOURS * 3600 });
  const moments = buildMoments(meta.id, out.cues, settings);
  onProgress?.('index', 0);
  await indexContent(s, meta, out.cues, moments, contentHash, { checksum, durationS: out.durationS });
  onProgress?.('index', 1);
  return { id: meta.id, status: 'ingested', moments: moments.length, rtf: out.stats.rtf, speakers: out.speakers };
}
