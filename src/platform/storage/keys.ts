import { Transform } from 'node:stream';
import { createHash } from 'node:crypto';
import { AppError } from '../../core/index.js';

/**
 * Blob keys are `/`-separated relative paths: no absolute paths, no empty, `.` or `..` segments, no segment
 * starting with a dot (the filesystem store keeps its partial writes in `.partial/`), no backslashes or
 * control characters. The same rule holds on S3 so that a key that works on one store works on the other.
 */
export function checkKey(key: string): string {
  const bad = (why: string) => new AppError('bad_request', `invalid blob key "${key.slice(0, 200)}": ${why}`);
  if (typeof key !== 'string' || key.length === 0) throw bad('empty');
  if (key.length > 1024) throw bad('longer than 1024 characters');
  if (key.startsWith('/') || /^[a-z]:/i.test(key)) throw bad('must be relative');
  // eslint-disable-next-line no-control-regex
  if (/[\\\x00-\x1f\x7f]/.test(key)) throw bad('backslash or control character');
  for (const seg of key.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw bad('empty, "." or ".." segment');
    if (seg.startsWith('.')) throw bad('a segment may not start with "."');
  }
  return key;
}

const TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  mp4: 'video/mp4',
  mkv: 'video/x-matroska',
  mov: 'video/quicktime',
  webm: 'video/webm',
  json: 'application/json',
  txt: 'text/plain',
  vtt: 'text/vtt',
  srt: 'application/x-subrip',
};

/** The Content-Type a blob is served with, from its key's extension (never from what a client claimed). */
export function contentTypeFor(key: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) || 'application/octet-stream';
}

/** The usual extension of a media Content-Type, when it is one we know. */
export function extensionFor(contentType: string | undefined | null): string | null {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!t) return null;
  const alias: Record<string, string> = { 'audio/x-wav': 'wav', 'audio/wave': 'wav', 'audio/vnd.wave': 'wav', 'audio/mp3': 'mp3', 'audio/x-flac': 'flac', 'audio/x-m4a': 'm4a', 'audio/webm': 'webm' };
  if (alias[t]) return alias[t];
  return Object.entries(TYPES).find(([, v]) => v === t)?.[0] ?? null;
}

/** Where a media file lives once its content is known: content-addressed, so the same file is stored once. */
export function mediaKey(sha256: string, ext: string): string {
  return `media/${sha256}.${ext.toLowerCase()}`;
}

const MEDIA_KEY = /^media\/([0-9a-f]{64})\.[a-z0-9]{1,8}$/;

/** The blob key of a recording's media, read from its `source` (null when the recording has no stored media). */
export function mediaKeyOf(rec: { source: string | null }): string | null {
  return rec.source && MEDIA_KEY.test(rec.source) ? rec.source : null;
}

/** A pass-through stream that hashes (sha256) and counts what flows through it. */
export function hashingStream(): Transform & { digest(): { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return Object.assign(t, { digest: () => ({ size, sha256: hash.digest('hex') }) });
}
