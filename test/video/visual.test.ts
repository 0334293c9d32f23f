/**
 * Keyframes found by what they show: the frames stage embeds each keyframe with the configured visual embedder,
 * the index stage stores the vectors (pgvector in PGlite), and a search's words are matched against them. The
 * embedder here is a real one of a very small kind: it reads a frame's mean colour with ffmpeg and maps colour
 * words to colours, so the whole path runs (no CLIP model ships; `test/embed/clip.test.ts` covers CLIP itself).
 */
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VisualEmbedder } from '../../src/core/index.js';
import { ffmpegPath, SAMPLE_RATE } from '../../src/ingest/audio/decode.js';
import type { AsrEngine } from '../../src/ingest/audio/asr/port.js';
import type { JobRuntime } from '../../src/ingest/pipeline/runtime.js';
import type { Services } from '../../src/main/services.js';
import type { Job } from '../../src/archive/jobs.js';
import { meta } from '../jobs/helpers.js';
import { ingestVideo, makeVideo, startVideoApp } from './helpers.js';
import { purgeRecording } from '../../src/ingest/purge.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';

const unit = (v: number[]) => {
  const n = Math.hypot(...v) || 1;
  return Float32Array.from(v.map((x) => x / n));
};
const COLOURS: Record<string, number[]> = { red: [1, 0, 0], green: [0, 1, 0], blue: [0, 0, 1] };

/** A frame's mean colour (RGB) as its vector; a text's colour words as theirs. */
function colourEmbedder(): VisualEmbedder & { images: number } {
  return {
    model: 'colour-test',
    dim: 3,
    images: 0,
    async init() {},
    async embedImages(files: string[]) {
      this.images += files.length;
      return files.map((f) => {
        const rgb = execFileSync(ffmpegPath(), ['-v', 'error', '-i', f, '-vf', 'scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
        return unit([rgb[0], rgb[1], rgb[2]].map((x) => x / 255));
      });
    },
    async embedTexts(texts: string[]) {
      return texts.map((t) => unit(Object.entries(COLOURS).reduce((acc, [word, c]) => (t.toLowerCase().includes(word) ? acc.map((x, i) => x + c[i]) : acc), [0, 0, 0])));
    },
    async close() {},
  };
}

function silentEngine(): AsrEngine {
  return {
    name: 'pocketsphinx',
    model: 'fake',
    punctuated: false,
    maxChunkS: 60,
    async transcribe(pcm: Float32Array) {
      const d = pcm.length / SAMPLE_RATE;
      return { text: 'the council met', words: ['the', 'council', 'met'].map((text, i) => ({ start: (d * i) / 3, end: (d * (i + 0.8)) / 3, text, confidence: 0.9 })) };
    },
  };
}

interface FrameHit {
  recording_id: string;
  n: number;
  at: number;
  score: number;
  url: string;
  thumbnail_url: string;
}

describe('video: keyframes found by what they show (a visual embedder)', () => {
  let s: Services;
  let rt: JobRuntime;
  let url: string;
  let close: () => Promise<void>;
  let dir: string;
  let job: Job;
  const visual = colourEmbedder();
  const search = async (q: string, extra = '') => {
    const res = await fetch(`${url}/v1/search?q=${encodeURIComponent(q)}${extra}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { frames?: FrameHit[]; results: unknown[] };
  };

  beforeAll(async () => {
    ({ s, rt, url, dir, close } = await startVideoApp({ OCR: 'off', VISUAL_MIN_SIMILARITY: '0.6' }, { engine: silentEngine, visual }));
    const video = makeVideo(dir, 'colours.mp4', [
      { seconds: 3, colour: 'red' },
      { seconds: 3, colour: 'blue' },
      { seconds: 3, colour: 'green' },
    ]);
    job = await ingestVideo(s, rt, video, 'colours', { recordedAt: '1975-05-01' });
  }, 180_000);
  afterAll(async () => close?.());

  it('embeds each keyframe once and says which model did it', async () => {
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ frames: 3, visual: 'colour-test' });
    expect(visual.images).toBe(3);
    expect(await s.frameVectors!.count()).toBe(3);
  });

  it("returns the frames whose picture matches the question's words, with links at the frame", async () => {
    const blue = await search('the blue scene');
    expect(blue.frames?.map((f) => [f.recording_id, f.n, f.at, f.url])).toEqual([['colours', 1, 3, '/r/colours?t=3']]);
    expect(blue.frames?.[0].score).toBeGreaterThan(0.95);
    const thumb = await fetch(url + blue.frames![0].thumbnail_url);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await search('red or green')).frames?.map((f) => f.n).sort()).toEqual([0, 2]);
    const page = await (await fetch(`${url}/?q=the+blue+scene`)).text();
    expect(page).toMatch(/class="frames matching-frames"/);
    expect(page).toContain('href="/r/colours?t=3&amp;q=the+blue+scene"');
    expect(page).toContain('src="/v1/recordings/colours/frames/1.jpg"');
    // Nothing close enough: no frames, not the least far ones.
    expect((await search('council')).frames).toEqual([]);
  });

  it('keeps to the filters and leaves frames out of bm25-only and speech-only searches', async () => {
    expect((await search('blue', '&from=1980-01-01')).frames).toEqual([]);
    expect((await search('blue', '&collection=elsewhere')).frames).toEqual([]);
    expect((await search('blue', '&mode=bm25')).frames).toBeUndefined();
    expect((await search('blue', '&kind=speech')).frames).toBeUndefined();
  });

  it('drops the vectors when the video is ingested again as a transcript, and with the recording', async () => {
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nThe council met, from the minutes.\n';
    await ingestTranscript(s, { fileName: 'colours.vtt', content: vtt, meta: meta('colours', { source: 'colours.vtt', recordedAt: '1975-05-01' }) });
    expect(await s.frameVectors!.count()).toBe(0);
    expect((await search('the blue scene')).frames).toEqual([]);
    await purgeRecording(s, 'colours', 'test');
    expect(await s.archive.get('colours')).toBeNull();
  });
});
