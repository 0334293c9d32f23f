/**
 * Keyframes of a video: the first frame and every scene change (ffmpeg's `select` on the scene score), at
 * least FRAMES_MIN_GAP_S apart and at most FRAMES_PER_MINUTE in any minute, each written twice by one ffmpeg
 * run: a small JPEG thumbnail for the recording page, and a larger grayscale PNG for OCR (tesseract reads text
 * a few dozen pixels high far better than a thumbnail's, so the OCR copy is upscaled to at least 1280 wide).
 *
 * A frame's time is its presentation time as `showinfo` prints it after `select`: exact, not the thumbnail's
 * position in a sampled sequence.
 */
import { spawn } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { toMilliseconds } from '../../core/index.js';
import { ffmpegPath, summariseStderr } from '../audio/decode.js';

export interface KeyframeOptions {
  /** Scene score (0-1) above which a frame is a keyframe. */
  sceneThreshold: number;
  /** Seconds between two keyframes at least. */
  minGapS: number;
  /** Keyframes in any 60 s at most: a burst of cuts keeps its first ones. */
  perMinute: number;
  /** Width of the thumbnails (never upscaled). Default 320. */
  thumbWidth?: number;
  /** The media's duration, for progress. */
  durationS?: number;
  onProgress?: (fraction: number) => void;
}

export interface Keyframe {
  /** Position among the kept keyframes, from 0. */
  n: number;
  /** Presentation time in seconds. */
  at: number;
  /** The JPEG thumbnail. */
  thumb: string;
  /** The grayscale PNG to read text from. */
  ocr: string;
}

const SHOWINFO = /\[Parsed_showinfo_\d+ @ [^\]]+\]\s+n:\s*(\d+)\s+pts:\s*\S+\s+pts_time:\s*(-?[\d.]+(?:e[+-]?\d+)?)/i;

/** The select expression: the first frame, then scene changes at least `minGapS` after the previous keyframe. */
export function selectExpression(sceneThreshold: number, minGapS: number): string {
  // (commas escaped for the filter graph; prev_selected_t is the last kept frame's time)
  const scene = `gt(scene\\,${sceneThreshold})`;
  const gap = minGapS > 0 ? `*gte(t-prev_selected_t\\,${minGapS})` : '';
  return `eq(n\\,0)+${scene}${gap}`;
}

/** Which of the frames (times in order) a cap of `perMinute` in any 60 s keeps: the earliest of each burst. */
export function capPerMinute(times: number[], perMinute: number): boolean[] {
  const kept: number[] = [];
  return times.map((t) => {
    while (kept.length > 0 && t - kept[0] >= 60) kept.shift();
    if (kept.length >= perMinute) return false;
    kept.push(t);
    return true;
  });
}

/** Extracts the keyframes of `file` into `dir` (which the caller removes). */
export async function extractKeyframes(file: string, dir: string, o: KeyframeOptions): Promise<Keyframe[]> {
  const thumbW = o.thumbWidth ?? 320;
  const graph =
    `[0:v]select='${selectExpression(o.sceneThreshold, o.minGapS)}',showinfo,split=2[a][b];` +
    `[a]scale='min(${thumbW},iw)':-2[t];` +
    `[b]scale='min(1920,max(1280,2*iw))':-2:flags=bicubic,format=gray[o]`;
  const args = [
    '-nostdin', '-hide_banner', '-v', 'info', '-i', file, '-an', '-sn', '-dn',
    '-filter_complex', graph,
    '-map', '[t]', '-vsync', 'vfr', '-q:v', '4', path.join(dir, 't%06d.jpg'),
    '-map', '[o]', '-vsync', 'vfr', path.join(dir, 'o%06d.png'),
  ];
  const times: number[] = [];
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const p = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines = createInterface({ input: p.stderr });
    lines.on('line', (line) => {
      const m = SHOWINFO.exec(line);
      if (m) {
        times[Number(m[1])] = Number(m[2]);
        if (o.durationS && o.durationS > 0) o.onProgress?.(Math.min(0.99, Number(m[2]) / o.durationS));
        return;
      }
      tail.push(line);
      if (tail.length > 40) tail.shift();
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg could not extract keyframes (exit ${code}): ${summariseStderr(tail.join('\n'), file)}`));
    });
  });
  const files = new Set(await readdir(dir));
  const name = (prefix: string, i: number) => `${prefix}${String(i + 1).padStart(6, '0')}.${prefix === 't' ? 'jpg' : 'png'}`;
  // Frames as written: ffmpeg numbers its outputs from 1 in the order showinfo printed them.
  const written = times.flatMap((at, i) => (Number.isFinite(at) && files.has(name('t', i)) && files.has(name('o', i)) ? [{ i, at }] : []));
  const keep = capPerMinute(written.map((w) => w.at), o.perMinute);
  const out: Keyframe[] = [];
  for (const [k, w] of written.entries()) {
    const thumb = path.join(dir, name('t', w.i));
    const ocr = path.join(dir, name('o', w.i));
    if (keep[k]) out.push({ n: out.length, at: Math.max(0, toMilliseconds(w.at)), thumb, ocr });
    else await Promise.all([rm(thumb, { force: true }), rm(ocr, { force: true })]);
  }
  o.onProgress?.(1);
  return out;
}
