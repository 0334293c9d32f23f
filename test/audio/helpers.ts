/** Shared paths and generated audio for the audio tests. */
import { execFileSync } from 'node:child_process';
import fs, { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ffmpegPath } from '../../src/ingest/audio/decode.js';
import { AppError } from '../../src/core/errors.js';

export const SHARED = path.resolve(import.meta.dirname, '../../../shared/audio');
export const JFK_WAV = path.join(SHARED, 'jfk.wav');
export const JFK_MP3 = path.join(SHARED, 'jfk.mp3');
export const DIAR = path.join(SHARED, 'diarization');

export const tmpDir = (prefix = 'audio-test-') => mkdtempSync(path.join(os.tmpdir(), prefix));

/**
 * Points FFMPEG_PATH at a wrapper in `dir` that appends each run's arguments to `log` before running the real
 * ffmpeg; `decodes()` counts the logged runs that were decodes (PCM written to stdout).
 */
export function countFfmpegDecodes(dir: string): { log: string; decodes: () => number } {
  const log = path.join(dir, 'ffmpeg.log');
  const wrapper = path.join(dir, 'ffmpeg');
  fs.writeFileSync(wrapper, `#!/bin/sh\necho "$@" >> '${log}'\nexec '${ffmpegPath()}' "$@"\n`, { mode: 0o755 });
  process.env.FFMPEG_PATH = wrapper;
  return { log, decodes: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('pipe:1')).length : 0) };
}

/** A FLAC in `dir` whose STREAMINFO says it holds 1 s while its frames hold `seconds`: ffprobe believes the header. */
export function lyingFlac(dir: string, seconds: number): string {
  const file = path.join(dir, `lying-${seconds}.flac`);
  execFileSync(ffmpegPath(), ['-y', '-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=16000`, '-c:a', 'flac', file]);
  const b = fs.readFileSync(file);
  // STREAMINFO's 36-bit total sample count is the low bits of the 8 bytes at offset 18.
  b.writeBigUInt64BE((b.readBigUInt64BE(18) & ~((1n << 36n) - 1n)) | 16_000n, 18);
  fs.writeFileSync(file, b);
  return file;
}

/**
 * The same samples in a file of other bytes (a metadata tag differs): the archive keeps one recording per
 * file (by sha256), so a test that ingests one recording twice under two ids needs two files.
 */
export function sameAudioOtherFile(src: string, tag: string, dir = tmpDir('same-audio-')): string {
  const out = path.join(dir, `${tag}${path.extname(src)}`);
  execFileSync(ffmpegPath(), ['-nostdin', '-v', 'error', '-y', '-i', src, '-c', 'copy', '-metadata', `comment=${tag}`, out]);
  return out;
}

/** Runs a CLI the tests need (flite, sox) with a message naming the Debian package when it is missing. */
export function tool(bin: string, args: string[], pkg = bin): string {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${bin} not found: apt-get install -y ${pkg}`);
    throw e;
  }
}

export interface Spoken {
  file: string;
  /** Where each sentence's speech starts in `file`, seconds. */
  starts: number[];
  /** Where each sentence's speech ends. */
  ends: number[];
  durationS: number;
}

/**
 * Speaks sentences with flite (sentence i in `voices[i % voices.length]`, default `slt`), trims each one's
 * silence with sox, and joins them with the given pauses (plus 0.5 s at both ends) into one 16 kHz mono WAV,
 * so every sentence's start is known.
 */
export function speak(sentences: string[], pauses: number[], dir = tmpDir('flite-'), voices: readonly string[] = ['slt']): Spoken {
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const silence = (s: number, i: string) => {
    const f = path.join(dir, `z${i}.wav`);
    tool('sox', ['-R', '-n', '-r', '16000', '-c', '1', '-b', '16', f, 'trim', '0', s.toFixed(3)], 'sox');
    return f;
  };
  let t = 0.5;
  parts.push(silence(0.5, 'lead'));
  sentences.forEach((text, i) => {
    const raw = path.join(dir, `raw${i}.wav`);
    const trimmed = path.join(dir, `s${i}.wav`);
    tool('flite', ['-voice', voices[i % voices.length], '-t', text, '-o', raw], 'flite');
    // silence 1 … trims leading quiet; reverse/repeat/reverse trims the trailing end the same way.
    // -R: the same dither on every run (sox seeds it randomly otherwise), so the file and its transcripts repeat.
    tool('sox', ['-R', raw, '-r', '16000', '-c', '1', '-b', '16', trimmed, 'silence', '1', '0.02', '1%', 'reverse', 'silence', '1', '0.02', '1%', 'reverse'], 'sox');
    starts.push(t);
    t += Number(tool('soxi', ['-D', trimmed], 'sox'));
    ends.push(t);
    parts.push(trimmed);
    if (i < sentences.length - 1) {
      parts.push(silence(pauses[i], String(i)));
      t += pauses[i];
    }
  });
  parts.push(silence(0.5, 'tail'));
  const file = path.join(dir, 'spoken.wav');
  tool('sox', ['-R', ...parts, file], 'sox');
  return { file, starts, ends, durationS: t + 0.5 };
}

/** The AppError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}
