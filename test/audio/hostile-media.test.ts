/**
 * Hostile and edge-case media through probe, decode and the whole offline pipeline: every unusable file is an
 * AppError with a stable code and `details.reason` and a one-line message that names the file and the problem
 * (no ffmpeg log dump, no stack); every usable one, however odd, completes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

// Fixed noise: truly random bytes now and then parse as some container (then the reason is no_audio, not not_media).
const noise = (n: number) => Buffer.concat(Array.from({ length: Math.ceil(n / 32) }, (_, i) => createHash('sha256').update(`noise ${i}`).digest())).subarray(0, n);
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxEngine } from '../../src/ingest/audio/asr/pocketsphinx.js';
import { type DecodeFailure, decodeRange, encodeWav, ffmpegPath, looksLikeMedia, probeMedia } from '../../src/ingest/audio/decode.js';
import { transcribeMedia } from '../../src/ingest/audio/transcribe.js';
import { AppError, type ErrorCode } from '../../src/core/errors.js';
import { failure, JFK_MP3, JFK_WAV, tmpDir } from './helpers.js';

const dir = tmpDir('hostile-');
const put = (name: string, data: Buffer | string) => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};
const ffmpeg = (args: string[], name: string) => {
  const out = path.join(dir, name);
  execFileSync(ffmpegPath(), ['-nostdin', '-v', 'error', '-y', ...args, out]);
  return out;
};


/** A clear error: the stable code and reason, the file named first, one short line without ffmpeg internals. */
function expectClear(e: AppError, file: string, code: ErrorCode, reason: DecodeFailure, words: RegExp) {
  expect({ code: e.code, reason: (e.details as { reason?: string } | undefined)?.reason }).toEqual({ code, reason });
  expect(e.message.startsWith(`${path.basename(file)}: `)).toBe(true);
  expect(e.message).toMatch(words);
  expect(e.message).not.toMatch(/\n|0x[0-9a-f]{4,}|\bat .*:\d+:\d+|ffmpeg version|configuration:/);
  expect(e.message.length).toBeLessThan(400);
}

const engine = new PocketsphinxEngine();
const run = (file: string) => transcribeMedia(file, { engine, diarization: 'basic' });

describe('hostile media: clear errors', () => {
  const cases: { name: string; make: () => string; code: ErrorCode; reason: DecodeFailure; words: RegExp }[] = [
    { name: 'a missing file', make: () => path.join(dir, 'nope.mp3'), code: 'not_found', reason: 'missing', words: /file not found/ },
    { name: 'a zero-byte file', make: () => put('zero.mp3', ''), code: 'unsupported_format', reason: 'empty', words: /empty \(0 bytes\)/ },
    {
      name: 'a text file named .mp3',
      make: () => put('notes.mp3', 'Minutes of the meeting of 12 March.\nPresent: the chair, the secretary.\n'.repeat(30)),
      code: 'unsupported_format',
      reason: 'not_media',
      words: /not an audio or video file/,
    },
    {
      name: 'a text file named .txt (ffmpeg opens it as ANSI-art video)',
      make: () => put('notes.txt', 'Minutes of the meeting of 12 March.\n'.repeat(30)),
      code: 'unsupported_format',
      reason: 'not_media',
      words: /not an audio or video file \(ffmpeg reads it as text\)/,
    },
    {
      name: 'an image',
      make: () => ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x64', '-frames:v', '1'], 'photo.png'),
      code: 'unsupported_format',
      reason: 'not_media',
      words: /not an audio or video file \(ffmpeg reads it as an image\)/,
    },
    { name: 'random bytes named .wav', make: () => put('random.wav', noise(100_000)), code: 'unsupported_format', reason: 'not_media', words: /not an audio or video file/ },
    {
      name: 'a WAV whose header breaks off (no data chunk)',
      make: () => put('header-only.wav', readFileSync(JFK_WAV).subarray(0, 44)),
      code: 'unsupported_format',
      reason: 'corrupt',
      words: /corrupt media, damaged or truncated.*no 'data' tag/,
    },
    {
      name: 'a video with no audio track',
      make: () => ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-t', '2', '-pix_fmt', 'yuv420p'], 'video-only.mp4'),
      code: 'unsupported_format',
      reason: 'no_audio',
      words: /no audio stream in file \(video only/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.reason}, from probe, decode and transcribeMedia alike`, async () => {
      const file = c.make();
      expectClear(await failure(probeMedia(file)), file, c.code, c.reason, c.words);
      // decode reports the same problem, except that it does not probe streams: no stream to map is its word.
      const d = await failure(decodeRange(file, 0, Infinity));
      expect(d.code).toBe(c.code);
      expect((d.details as { reason: string }).reason).toBe(c.reason);
      expectClear(await failure(run(file)), file, c.code, c.reason, c.words);
    });
  }

  it('a WAV header with no samples after it: empty, when decoding (the header itself is valid)', async () => {
    const file = put('no-samples.wav', encodeWav(new Float32Array(0)));
    expect((await probeMedia(file)).durationS).toBe(0);
    expectClear(await failure(decodeRange(file, 0, Infinity)), file, 'unsupported_format', 'empty', /no audio samples in file/);
    expectClear(await failure(run(file)), file, 'unsupported_format', 'empty', /no audio samples in file/);
    // A header that promises 2 s of samples that are not there is the same thing.
    const lying = encodeWav(new Float32Array(0));
    lying.writeUInt32LE(64_000, 40);
    const file2 = put('lying.wav', lying);
    expectClear(await failure(run(file2)), file2, 'unsupported_format', 'empty', /no audio samples in file/);
  });

  it('a media file damaged past its first frames: corrupt, with ffmpeg complaint summarised', async () => {
    let seed = 5;
    const garbage = Buffer.from(Array.from({ length: 60_000 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), (seed >>> 16) & 0xff)));
    const file = put('damaged.mp3', Buffer.concat([readFileSync(JFK_MP3).subarray(0, 4000), garbage]));
    const e = await failure(run(file));
    expectClear(e, file, 'unsupported_format', 'corrupt', /corrupt media/);
  });

  it('recognises media signatures only to word the error', () => {
    expect(looksLikeMedia(readFileSync(JFK_WAV).subarray(0, 64))).toBe(true);
    expect(looksLikeMedia(readFileSync(JFK_MP3).subarray(0, 64))).toBe(true);
    expect(looksLikeMedia(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe(false); // an image in a RIFF container
    expect(looksLikeMedia(Buffer.from('%PDF-1.7\n'))).toBe(false);
    expect(looksLikeMedia(Buffer.alloc(0))).toBe(false);
  });
});

describe('hostile media: odd but usable files complete', () => {
  let jfkWords: string[];
  beforeAll(async () => {
    jfkWords = (await transcribeMedia(JFK_WAV, { engine, diarization: 'none' })).words.map((w) => w.text);
  }, 120_000);

  it('a truncated MP3 (its first 30%) transcribes what is there', async () => {
    const whole = readFileSync(JFK_MP3);
    const file = put('truncated.mp3', whole.subarray(0, Math.floor(whole.length * 0.3)));
    // The container's duration is a bitrate estimate of the whole file; the decode is what counts.
    const r = await run(file);
    expect(r.durationS).toBeGreaterThan(2.5);
    expect(r.durationS).toBeLessThan(4.5);
    expect(r.words.length).toBeGreaterThan(0);
    expect(r.words.every((w) => w.end <= r.durationS + 1e-6)).toBe(true);
  });

  it('a cut-off WAV (header promises more than the file holds) transcribes what is there', async () => {
    const file = put('cut.wav', readFileSync(JFK_WAV).subarray(0, 44 + 16000 * 2 * 4));
    const r = await run(file);
    expect(r.durationS).toBeGreaterThan(3.5);
    expect(r.durationS).toBeLessThan(4.5);
  });

  it('60 s of digital silence: no speech, no chunks, no words', async () => {
    const file = ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '60', '-c:a', 'libmp3lame', '-b:a', '64k'], 'silence.mp3');
    const r = await run(file);
    expect(r.durationS).toBeCloseTo(60, 0);
    expect(r.regions).toEqual([]);
    expect(r.chunks).toEqual([]);
    expect(r.words).toEqual([]);
    expect(r.cues).toEqual([]);
    expect(r.stats.failedChunks).toBe(0);
  });

  it('30 s of loud noise completes (whatever the VAD and engine make of it)', async () => {
    const file = ffmpeg(['-f', 'lavfi', '-i', 'anoisesrc=r=22050:color=pink:amplitude=0.5:seed=3', '-t', '30'], 'noise.wav');
    const r = await run(file);
    expect(r.durationS).toBeCloseTo(30, 0);
    expect(r.stats.failedChunks).toBe(0);
    expect(r.gaps).toEqual([]);
    // Noise is not speech: whatever is emitted stays short of the duration and within it.
    for (const w of r.words) expect(w.end).toBeLessThanOrEqual(30 + 1e-6);
  });

  it('192 kHz, 6 channels, 24-bit: downmixed and resampled to the same words as the 16 kHz mono original', async () => {
    const file = ffmpeg(['-i', JFK_WAV, '-af', 'pan=5.1|FL=c0|FR=c0|FC=c0|LFE=0*c0|BL=0.5*c0|BR=0.5*c0', '-ar', '192000', '-c:a', 'pcm_s24le'], 'hi-rate-6ch.wav');
    const info = await probeMedia(file);
    expect(info.audio[0]).toMatchObject({ sampleRate: 192000, channels: 6 });
    const r = await run(file);
    expect(r.durationS).toBeCloseTo(11, 0);
    const words = r.words.map((w) => w.text);
    const common = words.filter((w) => jfkWords.includes(w)).length;
    expect(common / Math.max(words.length, jfkWords.length)).toBeGreaterThan(0.7);
  });
});
