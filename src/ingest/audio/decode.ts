/**
 * Media decoding: ffprobe to look at a file, ffmpeg to turn its first audio track into 16 kHz mono PCM.
 *
 * PCM is streamed in fixed-size frames (an async iterator), so a 4-hour recording never sits in memory:
 * at 16 kHz it would be ~920 MB as Float32. Callers that need one piece (an ASR chunk) use decodeRange,
 * which seeks with -ss/-t instead of decoding from the start.
 *
 * The binaries come from npm (@ffmpeg-installer/ffmpeg, @ffprobe-installer/ffprobe, each of which installs the
 * build for this platform) so nothing has to be installed on the machine; FFMPEG_PATH / FFPROBE_PATH override
 * them (the image sets the distribution's ffmpeg, which gets security updates).
 */
import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppError, engineSettings } from '../../core/index.js';

export const SAMPLE_RATE = 16_000;

const require = createRequire(import.meta.url);

export function ffmpegPath(): string {
  const configured = engineSettings().FFMPEG_PATH;
  if (configured) return configured;
  return installedBinary('ffmpeg', '@ffmpeg-installer/ffmpeg', 'FFMPEG_PATH');
}

export function ffprobePath(): string {
  const configured = engineSettings().FFPROBE_PATH;
  if (configured) return configured;
  return installedBinary('ffprobe', '@ffprobe-installer/ffprobe', 'FFPROBE_PATH');
}

/** The npm package's binary for this platform; these packages throw a bare string where none was installed. */
function installedBinary(name: string, pkg: string, setting: string): string {
  try {
    return (require(pkg) as { path: string }).path;
  } catch (err) {
    throw new AppError('engine_unavailable', `no ${name} binary from ${pkg} for ${process.platform}-${process.arch}: set ${setting}`, {
      cause: String(err),
    });
  }
}

/**
 * Why a file cannot be transcribed, stable for callers and tests (`details.reason` of the AppError):
 *  - missing: no such file (code not_found)
 *  - empty: 0 bytes, or a valid header with no audio samples after it
 *  - not_media: not an audio or video file at all (text, random bytes, an image…)
 *  - no_audio: a media file without an audio track (e.g. a video with no sound)
 *  - corrupt: a media file that is damaged beyond use (a broken header, mostly undecodable packets)
 *  - too_long: longer than the media duration limit (MAX_MEDIA_HOURS), by its header or as it decodes
 * `too_long` is AppError code `payload_too_large` (HTTP 413); all others but `missing` are `unsupported_format`
 * (HTTP 415). A file cut short is not an error: what is there decodes and is transcribed.
 */
export type DecodeFailure = 'missing' | 'empty' | 'not_media' | 'no_audio' | 'corrupt' | 'too_long';

/** One error type for every way a file can be unusable; the message starts with the file's name. */
export function mediaError(file: string, reason: DecodeFailure, message: string): AppError {
  const code = reason === 'missing' ? 'not_found' : reason === 'too_long' ? 'payload_too_large' : 'unsupported_format';
  return new AppError(code, `${path.basename(file)}: ${message}`, { file, reason });
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  durationS: number | null;
}

export interface MediaInfo {
  file: string;
  format: string;
  /** Container duration, falling back to the first audio stream's. */
  durationS: number;
  audio: AudioStreamInfo[];
  hasVideo: boolean;
}

/** The last few meaningful lines of ffmpeg/ffprobe stderr, without the file path noise. */
export function summariseStderr(stderr: string, file?: string): string {
  const lines = stderr
    .split('\n')
    // "[mp3 @ 0x55d1c2a0] Header missing" → "mp3: Header missing": the pointer is noise and differs per run.
    .map((l) => l.trim().replace(/\[([\w:-]+) @ 0x[0-9a-f]+\]\s*/gi, '$1: '))
    .filter((l) => l && !/^(ffmpeg|ffprobe) version|^built with|^configuration:|^lib\w+\s/.test(l));
  // Decoders repeat the same complaint per packet: keep the last few distinct lines and say how many there were.
  const distinct = [...new Set(lines)];
  const text = distinct.slice(-3).join('; ') + (lines.length > 3 ? ` (${lines.length} error lines)` : '');
  const cleaned = file ? text.split(file).join(path.basename(file)) : text;
  return cleaned.length > 300 ? cleaned.slice(0, 300) + '…' : cleaned || 'no diagnostic from ffmpeg';
}

async function checkFile(file: string): Promise<void> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw mediaError(file, 'missing', 'not a regular file');
    size = s.size;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw mediaError(file, 'missing', 'file not found');
  }
  if (size === 0) throw mediaError(file, 'empty', 'file is empty (0 bytes)');
}

/**
 * Whether the first bytes look like a media container or stream ffmpeg could read. Used only to word an
 * ffmpeg failure: a recognised signature means a damaged media file ('corrupt'), anything else is 'not_media'.
 */
export function looksLikeMedia(head: Buffer): boolean {
  const at = (off: number, sig: string) => head.length >= off + sig.length && head.toString('latin1', off, off + sig.length) === sig;
  if (at(0, 'RIFF') || at(0, 'RF64')) return at(8, 'WAVE') || at(8, 'AVI ') || at(8, 'RMP3');
  if (at(0, 'FORM')) return at(8, 'AIFF') || at(8, 'AIFC');
  if (['OggS', 'fLaC', 'ID3', 'caff', '.snd', 'FLV', '#!AMR', 'wvpk', 'MAC ', 'DSD '].some((sig) => at(0, sig))) return true;
  if (at(4, 'ftyp') || at(4, 'moov') || at(4, 'mdat') || at(4, 'free') || at(4, 'wide')) return true; // MP4, M4A, MOV, 3GP
  const b = head;
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return true; // Matroska / WebM
  if (b.length >= 4 && b[0] === 0x30 && b[1] === 0x26 && b[2] === 0xb2 && b[3] === 0x75) return true; // ASF (WMA, WMV)
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && (b[3] === 0xba || b[3] === 0xb3)) return true; // MPEG-PS
  if (b.length >= 189 && b[0] === 0x47 && b[188] === 0x47) return true; // MPEG-TS
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0) return true; // MPEG audio / ADTS AAC frame sync
  return false;
}

async function readHead(file: string, n = 256): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** ffmpeg/ffprobe could not open the file at all: a damaged media file or no media at all, by its first bytes. */
async function unreadable(file: string, why: string): Promise<AppError> {
  const head = await readHead(file).catch(() => Buffer.alloc(0));
  return looksLikeMedia(head)
    ? mediaError(file, 'corrupt', `corrupt media, damaged or truncated (${why})`)
    : mediaError(file, 'not_media', `not an audio or video file (${why})`);
}

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const TEXT_OR_IMAGE_CODECS = new Set(['ansi', 'bintext', 'xbin', 'idf', 'png', 'apng', 'bmp', 'gif', 'webp', 'tiff', 'jpeg2000', 'jpegls', 'pam', 'pbm', 'pgm', 'ppm', 'svg', 'psd']);

/** Probes a file: duration and streams. Throws a clear AppError for missing, empty, non-media or corrupt files. */
export async function probeMedia(file: string): Promise<MediaInfo> {
  await checkFile(file);
  const r = await run(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  if (r.code !== 0) throw await unreadable(file, summariseStderr(r.stderr, file));
  const j = JSON.parse(r.stdout || '{}') as {
    format?: { format_name?: string; duration?: string };
    streams?: { index: number; codec_type?: string; codec_name?: string; sample_rate?: string; channels?: number; duration?: string }[];
  };
  const streams = j.streams ?? [];
  const num = (v: string | undefined) => (v !== undefined && Number.isFinite(Number(v)) ? Number(v) : null);
  const audio = streams
    .filter((s) => s.codec_type === 'audio')
    .map((s) => ({ index: s.index, codec: s.codec_name ?? '?', sampleRate: Number(s.sample_rate ?? 0), channels: s.channels ?? 0, durationS: num(s.duration) }));
  const hasVideo = streams.some((s) => s.codec_type === 'video');
  const format = j.format?.format_name ?? '?';
  if (audio.length === 0) {
    // ffmpeg "plays" text files (tty demuxer: ANSI art) and images as one-frame video: not a recording at all.
    const video = streams.filter((s) => s.codec_type === 'video').map((s) => s.codec_name ?? '');
    if (/^(tty|image2|image2pipe|\w+_pipe)$/.test(format) || (video.length > 0 && video.every((c) => TEXT_OR_IMAGE_CODECS.has(c)))) {
      throw mediaError(file, 'not_media', `not an audio or video file (ffmpeg reads it as ${format === 'tty' ? 'text' : 'an image'})`);
    }
    throw mediaError(file, 'no_audio', hasVideo ? 'no audio stream in file (video only, nothing to transcribe)' : 'no audio stream in file');
  }
  const durationS = num(j.format?.duration) ?? audio[0].durationS ?? 0;
  return { file, format, durationS, audio, hasVideo };
}

const hours = (s: number) => (s >= 3600 ? `${Math.round((s / 3600) * 100) / 100} h` : `${Math.round(s * 10) / 10} s`);

/** The media is longer than `maxS` seconds (MAX_MEDIA_HOURS): named so that the limit can be raised knowingly. */
export function tooLong(file: string, maxS: number, durationS?: number): AppError {
  const what = durationS !== undefined ? `${hours(durationS)} of media` : 'media that decodes to more audio than its limit';
  return mediaError(file, 'too_long', `${what}, over the ${hours(maxS)} limit (MAX_MEDIA_HOURS)`);
}

/** Refuses media whose probed duration is over `maxS` seconds. */
export function checkDuration(info: MediaInfo, maxS: number | undefined): void {
  if (maxS !== undefined && info.durationS > maxS) throw tooLong(info.file, maxS, info.durationS);
}

export interface DecodeOptions {
  /** Samples per yielded frame (the last one may be shorter). Default 16000 (1 s). */
  frameSamples?: number;
  startS?: number;
  /** Length to decode from startS; default to the end. */
  durationS?: number;
  signal?: AbortSignal;
  /**
   * The most audio, in seconds, the file may hold (MAX_MEDIA_HOURS). ffmpeg stops just past it and decoding past
   * it is an error (`too_long`), whatever the file's header said its duration was.
   */
  maxS?: number;
}

/**
 * Decodes the first audio track to 16 kHz mono and yields Int16 frames. The read loop pulls from ffmpeg's
 * stdout only as fast as the consumer iterates, so pipe back-pressure bounds memory. Breaking out of the loop
 * (or aborting) kills ffmpeg.
 */
export async function* decodeStreamS16(file: string, opts: DecodeOptions = {}): AsyncGenerator<Int16Array> {
  await checkFile(file);
  opts.signal?.throwIfAborted();
  const frame = opts.frameSamples ?? SAMPLE_RATE;
  const args = ['-nostdin', '-hide_banner', '-v', 'error'];
  // -ss before -i seeks in the demuxer (fast) and ffmpeg then decodes accurately from there.
  if (opts.startS && opts.startS > 0) args.push('-ss', opts.startS.toFixed(3));
  args.push('-i', file);
  // One second past the limit is enough to know the file goes over it.
  const capS = opts.maxS !== undefined ? opts.maxS + 1 : undefined;
  const lengthS = Math.min(opts.durationS !== undefined && Number.isFinite(opts.durationS) ? Math.max(0, opts.durationS) : Infinity, capS ?? Infinity);
  if (Number.isFinite(lengthS)) args.push('-t', lengthS.toFixed(3));
  const maxSamples = opts.maxS !== undefined ? Math.ceil(opts.maxS * SAMPLE_RATE) : Infinity;
  // Fail (exit 69) when over 10% of packets do not decode: a glitch is tolerated, garbage is not. A file cut
  // short is not an error here: what is there gets transcribed.
  args.push('-max_error_rate', '0.1');
  args.push('-map', '0:a:0', '-vn', '-sn', '-dn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1');

  const p = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (code) => resolve(code));
  });
  const onAbort = () => p.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let buf = new Int16Array(frame);
  let fill = 0;
  let carry: Buffer | null = null; // an odd trailing byte between pipe reads
  let total = 0;
  let finished = false;
  try {
    for await (const raw of p.stdout as AsyncIterable<Buffer>) {
      let data: Buffer = carry ? Buffer.concat([carry, raw]) : raw;
      carry = null;
      if (data.length % 2) {
        carry = data.subarray(data.length - 1);
        data = data.subarray(0, data.length - 1);
      }
      let off = 0;
      const n = data.length / 2;
      if (total + fill + n > maxSamples) throw tooLong(file, opts.maxS!);
      while (off < n) {
        const take = Math.min(frame - fill, n - off);
        for (let i = 0; i < take; i++) buf[fill + i] = data.readInt16LE((off + i) * 2);
        fill += take;
        off += take;
        if (fill === frame) {
          total += fill;
          yield buf;
          buf = new Int16Array(frame);
          fill = 0;
        }
      }
    }
    opts.signal?.throwIfAborted();
    const code = await exited;
    if (code !== 0) {
      const why = summariseStderr(stderr, file);
      if (/matches no streams|does not contain any stream|Output file #0 does not contain/i.test(why)) {
        // Without a probe, the first bytes tell a video without sound from a text file ffmpeg opened as video.
        const media = looksLikeMedia(await readHead(file).catch(() => Buffer.alloc(0)));
        throw media ? mediaError(file, 'no_audio', 'no audio stream in file') : mediaError(file, 'not_media', 'not an audio or video file (no audio stream)');
      }
      // "x: Invalid data found" on opening = not readable at all; "Error while decoding stream" = media with bad packets.
      if (/Invalid data found|Invalid argument/i.test(why) && !/Error while decoding/i.test(why)) throw await unreadable(file, why);
      throw mediaError(file, 'corrupt', `corrupt media, ffmpeg failed: ${why}`);
    }
    if (fill > 0) {
      total += fill;
      yield buf.subarray(0, fill);
    }
    // A file that decodes to nothing from its start (a WAV header and no samples) has nothing to transcribe; a
    // seek past the end is not an error.
    if (total === 0 && !opts.startS) throw mediaError(file, 'empty', `no audio samples in file${stderr ? ` (${summariseStderr(stderr, file)})` : ''}`);
    finished = true;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (!finished && p.exitCode === null) p.kill('SIGKILL');
  }
}

export function s16ToF32(x: Int16Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] / 32768;
  return out;
}

/** Same as decodeStreamS16, as Float32 in [-1, 1) (what VAD, features and ASR engines take). */
export async function* decodeStream(file: string, opts: DecodeOptions = {}): AsyncGenerator<Float32Array> {
  for await (const f of decodeStreamS16(file, opts)) yield s16ToF32(f);
}

/** Decodes [startS, endS) into one array: for one ASR chunk, never for a whole long file. */
export async function decodeRange(file: string, startS: number, endS: number, signal?: AbortSignal): Promise<Float32Array> {
  const durationS = Number.isFinite(endS) ? Math.max(0, endS - startS) : undefined;
  return concatFrames(decodeStream(file, { startS, durationS, signal, frameSamples: SAMPLE_RATE * 5 }));
}

/** Every frame of a stream in one array (each frame copied: a source may reuse its buffer). */
export async function concatFrames(frames: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  let n = 0;
  for await (const f of frames) {
    parts.push(f.slice());
    n += f.length;
  }
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * 16 kHz mono s16le PCM (what a decode stores for the stages after it) read back as Float32 frames of
 * `frameSamples`, the same frames decodeStream yields.
 */
export async function* pcmFrames(chunks: AsyncIterable<Buffer>, frameSamples = SAMPLE_RATE): AsyncGenerator<Float32Array> {
  let buf = new Float32Array(frameSamples);
  let fill = 0;
  let carry: Buffer | null = null;
  for await (const raw of chunks) {
    let data: Buffer = carry ? Buffer.concat([carry, raw]) : raw;
    carry = null;
    if (data.length % 2) {
      carry = data.subarray(data.length - 1);
      data = data.subarray(0, data.length - 1);
    }
    const n = data.length / 2;
    for (let i = 0; i < n; i++) {
      buf[fill++] = data.readInt16LE(i * 2) / 32768;
      if (fill === frameSamples) {
        yield buf;
        buf = new Float32Array(frameSamples);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}

/** Int16 samples as the bytes of s16le PCM (a view, not a copy). */
export const s16Bytes = (x: Int16Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** A canonical 44-byte-header PCM WAV (16-bit mono), the format every CLI engine and HTTP API accepts. */
export function encodeWav(pcm: Float32Array, sampleRate = SAMPLE_RATE): Buffer {
  const data = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.max(-1, Math.min(1, pcm[i]));
    data.writeInt16LE(Math.round(v < 0 ? v * 32768 : v * 32767), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
