import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRange, decodeStream, encodeWav, ffmpegPath, probeMedia } from '../../src/ingest/audio/decode.js';
import { failure, JFK_MP3, JFK_WAV, tmpDir } from './helpers.js';

async function decodeAll(file: string, frameSamples?: number) {
  const frames: number[] = [];
  let total = 0;
  for await (const f of decodeStream(file, { frameSamples })) {
    frames.push(f.length);
    total += f.length;
  }
  return { frames, total };
}


describe('decode', () => {
  it('probes and streams jfk.mp3 as ~11 s of 16 kHz mono in fixed-size frames', async () => {
    const info = await probeMedia(JFK_MP3);
    expect(info.durationS).toBeGreaterThan(10.5);
    expect(info.durationS).toBeLessThan(11.5);
    expect(info.audio[0].codec).toBe('mp3');

    const { frames, total } = await decodeAll(JFK_MP3, 4000);
    expect(total / 16000).toBeGreaterThan(10.8);
    expect(total / 16000).toBeLessThan(11.2);
    expect(frames.slice(0, -1).every((n) => n === 4000)).toBe(true);
  });

  it('decodes the same samples from the wav, in [-1, 1]', async () => {
    const pcm = await decodeRange(JFK_WAV, 0, Infinity);
    expect(pcm.length).toBe(176000);
    let peak = 0;
    for (const x of pcm) peak = Math.max(peak, Math.abs(x));
    expect(peak).toBeGreaterThan(0.1);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it('decodeRange seeks to one chunk', async () => {
    const part = await decodeRange(JFK_WAV, 2, 4.5);
    expect(part.length).toBe(40000);
    const all = await decodeRange(JFK_WAV, 0, Infinity);
    // Same samples as the full decode at that offset (wav seeks are sample-exact).
    expect(Array.from(part.subarray(1000, 1010))).toEqual(Array.from(all.subarray(32000 + 1000, 32000 + 1010)));
  });

  it('stops ffmpeg when the consumer stops early', async () => {
    let n = 0;
    for await (const f of decodeStream(JFK_MP3, { frameSamples: 1600 })) {
      n += f.length;
      if (n >= 16000) break;
    }
    expect(n).toBe(16000);
  });

  it('encodeWav writes a canonical 44-byte header', () => {
    const wav = encodeWav(new Float32Array([0, 0.5, -0.5, 1]));
    expect(wav.length).toBe(44 + 8);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.readInt16LE(44 + 2)).toBe(16384);
  });

  describe('clear errors', () => {
    const dir = tmpDir('decode-bad-');
    const file = (name: string, data: Buffer | string) => {
      const p = path.join(dir, name);
      writeFileSync(p, data);
      return p;
    };

    it('missing file', async () => {
      const e = await failure(probeMedia(path.join(dir, 'nope.mp3')));
      expect(e.code).toBe('not_found');
      expect(e.message).toMatch(/nope\.mp3: file not found/);
      const e2 = await failure(decodeRange(path.join(dir, 'nope.mp3'), 0, 1));
      expect(e2.code).toBe('not_found');
    });

    it('zero-length file', async () => {
      const e = await failure(probeMedia(file('empty.wav', '')));
      expect(e.message).toMatch(/empty/);
      expect((e.details as { reason: string }).reason).toBe('empty');
    });

    it('not media', async () => {
      const e = await failure(probeMedia(file('notes.txt', 'These are meeting notes, not audio.\n'.repeat(20))));
      expect(e.code).toBe('unsupported_format');
      expect(e.message).toMatch(/notes\.txt: not an audio or video file/);
      expect((e.details as { reason: string }).reason).toBe('not_media');
      const e2 = await failure(decodeRange(path.join(dir, 'notes.txt'), 0, 1));
      expect((e2.details as { reason: string }).reason).toBe('not_media');
    });

    it('video without an audio track', async () => {
      const out = path.join(dir, 'silent-video.mp4');
      execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-t', '1', '-pix_fmt', 'yuv420p', out]);
      const e = await failure(probeMedia(out));
      expect(e.message).toMatch(/no audio stream/);
      expect((e.details as { reason: string }).reason).toBe('no_audio');
    });

    it('corrupt data: a valid mp3 start followed by garbage', async () => {
      const head = readFileSync(JFK_MP3).subarray(0, 4000);
      let seed = 1;
      const garbage = Buffer.from(Array.from({ length: 40000 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), (seed >>> 16) & 0xff)));
      const bad = file('corrupt.mp3', Buffer.concat([head, garbage]));
      const e = await failure(decodeRange(bad, 0, Infinity));
      expect((e.details as { reason: string }).reason).toBe('corrupt');
      // ffmpeg's complaint, summarised (distinct lines, with a count), not 40 repeated lines.
      expect(e.message).toMatch(/corrupt media.*(Header missing|Invalid data|Error while decoding)/);
      expect(e.message.length).toBeLessThan(500);
    });
  });
});
