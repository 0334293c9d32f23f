/**
 * Video through the real job graph (in-process queue, a fake ASR engine, real ffmpeg and tesseract.js): keyframes
 * at the cuts with their exact times, thumbnails served, the on-screen text searchable as `screen` moments beside
 * the speech, the kind filter, and the recording and search pages showing both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath, SAMPLE_RATE } from '../../src/ingest/audio/decode.js';
import type { AsrEngine, AsrResult } from '../../src/ingest/audio/asr/port.js';
import type { JobRuntime } from '../../src/ingest/pipeline/runtime.js';
import type { Services } from '../../src/main/services.js';
import type { Job } from '../../src/archive/jobs.js';
import { waitFor } from '../jobs/contract.js';
import { meta } from '../jobs/helpers.js';
import { speak } from '../audio/helpers.js';
import { ingestVideo, makeVideo, startVideoApp } from './helpers.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';

/** Hears the same words in every chunk: speech that also matches "harbour", so the kind filter has both to choose from. */
function talkingEngine(): AsrEngine {
  const said = ['the', 'harbour', 'council', 'met', 'today'];
  return {
    name: 'pocketsphinx',
    model: 'fake',
    punctuated: false,
    maxChunkS: 60,
    async transcribe(pcm: Float32Array): Promise<AsrResult> {
      const d = pcm.length / SAMPLE_RATE;
      const words = said.map((text, i) => ({ start: (d * i) / said.length, end: (d * (i + 0.8)) / said.length, text, confidence: 0.9 }));
      return { text: said.join(' '), words };
    },
  };
}

interface Hit {
  recording_id: string;
  kind: 'speech' | 'screen';
  at: number;
  url: string;
  text: string;
  speakers: string[];
}
interface FrameJson {
  n: number;
  at: number;
  text: string;
  url: string;
  thumbnail_url: string;
}


describe('video: keyframes and on-screen text, searchable beside speech', () => {
  let s: Services;
  let rt: JobRuntime;
  let url: string;
  let close: () => Promise<void>;
  let dir: string;
  let videoJob: Job;

  const get = async (p: string) => fetch(url + p);
  const json = async <T>(p: string): Promise<T> => {
    const res = await get(p);
    expect(res.status, `${p}: ${res.status}`).toBe(200);
    return (await res.json()) as T;
  };
  const search = async (q: string, extra = '') => (await json<{ results: Hit[] }>(`/v1/search?q=${encodeURIComponent(q)}&mode=bm25${extra}`)).results;
  const ingest = (file: string, id: string) => ingestVideo(s, rt, file, id);

  beforeAll(async () => {
    ({ s, rt, url, dir, close } = await startVideoApp({ AUTH_PUBLIC_WRITE: 'on' }, { engine: talkingEngine }));
    // A title card, a cut to a second scene with a lower third, and a third scene holding the same lower third
    // (its text must not be indexed twice).
    const voice = speak(['The harbour council met today.', 'The mayor spoke about the new quay.'], [1.5], dir);
    const video = makeVideo(
      dir,
      'council.mp4',
      [
        { seconds: 4, colour: 'black', title: 'HARBOUR COUNCIL' },
        { seconds: 4, colour: '0x204060', lower: 'Mayor Ana Ruiz, 12 May 1987' },
        { seconds: 4, colour: '0x603020', lower: 'Mayor Ana Ruiz, 12 May 1987' },
      ],
      voice.file,
    );
    videoJob = await ingest(video, 'council-video');
  }, 180_000);
  afterAll(async () => close?.());

  it('runs a frames stage beside the transcript and reports keyframes and screen moments', async () => {
    expect(videoJob).toMatchObject({ status: 'succeeded', error: null });
    const stages = (await rt.pipeline.stages.list(videoJob.id)).filter((r) => r.stage === 'frames');
    expect(stages).toEqual([expect.objectContaining({ status: 'done', attempts: 1 })]);
    expect(videoJob.result).toMatchObject({ frames: 3, screenMoments: 2, ocr: 'tesseract:eng' });
    const body = await json<{ stages: { stage: string; status: string }[] }>(`/v1/jobs/${videoJob.id}`);
    expect(body.stages.map((x) => x.stage)).toEqual(['decode', 'chunk', 'asr', 'diarize', 'frames', 'stitch', 'sentences', 'embed', 'index']);
  });

  it('lists the keyframes at the cuts, with their text, deep links and thumbnails', async () => {
    const { frames } = await json<{ frames: FrameJson[] }>('/v1/recordings/council-video/frames');
    expect(frames.map((f) => f.n)).toEqual([0, 1, 2]);
    // Hard cuts at 0, 4 and 8 s (25 fps: a frame every 0.04 s).
    frames.forEach((f, i) => expect(Math.abs(f.at - 4 * i)).toBeLessThanOrEqual(0.04));
    expect(frames[0].text).toMatch(/HARBOUR COUNCIL/);
    expect(frames[1].text).toMatch(/Ana Ruiz/);
    expect(frames.map((f) => f.url)).toEqual(['/r/council-video?t=0', '/r/council-video?t=4', '/r/council-video?t=8']);

    const thumb = await get(frames[1].thumbnail_url);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await thumb.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(bytes.length).toBeLessThan(30_000); // a thumbnail, not the frame
    expect((await get('/v1/recordings/council-video/frames/9.jpg')).status).toBe(404);
    expect((await get('/v1/recordings/council-video/frames/..%2F..%2Fpg.jpg')).status).toBe(404);
    expect((await get('/v1/recordings/nope/frames')).status).toBe(404);
  });

  it('finds the title card with kind=screen, its link at the frame time', async () => {
    const hits = await search('harbour council', '&kind=screen');
    expect(hits.length).toBe(1);
    expect(hits[0]).toMatchObject({ recording_id: 'council-video', kind: 'screen', speakers: [] });
    expect(hits[0].text).toMatch(/HARBOUR COUNCIL/);
    expect(Math.abs(Number(new URL(hits[0].url, url).searchParams.get('t')) - 0)).toBeLessThanOrEqual(0.5);

    const [ruiz] = await search('Ana Ruiz 1987', '&kind=screen');
    expect(ruiz).toMatchObject({ kind: 'screen' });
    expect(Math.abs(ruiz.at - 4)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(Number(new URL(ruiz.url, url).searchParams.get('t')) - 4)).toBeLessThanOrEqual(0.5);
    // The same lower third over the next scene is not a second moment.
    expect((await search('Ruiz', '&kind=screen')).length).toBe(1);
  });

  it('kind=speech leaves the screen text out; no kind gives both', async () => {
    const both = await search('harbour');
    expect(new Set(both.map((h) => h.kind))).toEqual(new Set(['speech', 'screen']));
    const speech = await search('harbour', '&kind=speech');
    expect(speech.length).toBeGreaterThan(0);
    expect(speech.every((h) => h.kind === 'speech')).toBe(true);
    expect(await search('Ruiz', '&kind=speech')).toEqual([]);
    const bad = await get('/v1/search?q=harbour&kind=slides');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('bad_request');
  });

  it('answers from the screen text alone with kind=screen on /v1/ask, and refuses an unknown kind', async () => {
    const ask = async (body: object) =>
      fetch(`${url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    type Answer = { kind: string; citations: { text: string; at: number }[] };
    const screen = (await (await ask({ question: 'Who is Mayor Ana Ruiz?', kind: 'screen' })).json()) as Answer;
    expect(screen.citations.map((c) => [c.text, c.at])).toEqual([['Mayor Ana Ruiz, 12 May 1987', 4]]);
    expect(((await (await ask({ question: 'Who is Mayor Ana Ruiz?', kind: 'speech' })).json()) as Answer).kind).toBe('no_answer');
    const speech = (await (await ask({ question: 'What did the harbour council do?', kind: 'speech' })).json()) as Answer;
    expect(speech.citations.map((c) => c.text)).toEqual(['the harbour council met today']);
    // Without a kind, the title card and the speech under it are cited apart: a quote never mixes what was
    // said with what was on screen.
    const both = (await (await ask({ question: 'What did the harbour council do?' })).json()) as Answer;
    expect(both.citations.length).toBeGreaterThan(0);
    for (const c of both.citations) expect(['HARBOUR COUNCIL', 'the harbour council met today']).toContain(c.text);
    const bad = await ask({ question: 'harbour', kind: 'film' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/kind/);
  });

  it('gives an audio file no frames stage and no frames', async () => {
    const wav = path.join(dir, 'tone.wav');
    execFileSync(ffmpegPath(), ['-nostdin', '-y', '-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=5:sample_rate=16000', wav]);
    const job = await ingest(wav, 'tone');
    expect(job.status).toBe('succeeded');
    expect((await rt.pipeline.stages.list(job.id)).map((r) => r.stage)).not.toContain('frames');
    expect(job.result).not.toHaveProperty('frames');
    expect((await json<{ frames: FrameJson[] }>('/v1/recordings/tone/frames')).frames).toEqual([]);
  }, 120_000);

  it('plays an uploaded video in a video player that opens at the frame, and says the media type', async () => {
    const voice = speak(['The quay opens next spring.'], [], dir);
    const file = makeVideo(dir, 'quay.mp4', [{ seconds: 3, colour: 'black', title: 'NEW QUAY' }], voice.file);
    const form = new FormData();
    form.set('file', new Blob([fs.readFileSync(file)], { type: 'video/mp4' }), 'quay.mp4');
    form.set('id', 'quay-video');
    form.set('title', 'The new quay');
    form.set('diarization', 'none');
    const res = await fetch(`${url}/v1/recordings`, { method: 'POST', body: form });
    expect(res.status, await res.clone().text()).toBe(202);
    const accepted = (await res.json()) as { recording: { media_type: string }; job: { id: string } };
    expect(accepted.recording.media_type).toBe('video/mp4');
    await waitFor(async () => ((await rt.jobs.get(accepted.job.id))?.status === 'succeeded' ? true : null), 120_000, 'upload job');

    expect((await json<{ media_type: string | null }>('/v1/recordings/quay-video')).media_type).toBe('video/mp4');
    const page = await (await get('/r/quay-video?t=1')).text();
    expect(page).toMatch(/<video[^>]*id="player"[^>]*src="\/v1\/recordings\/quay-video\/media#t=1"/);
    expect(page).not.toMatch(/<audio/);
    // A recording without stored media says so, and has no media type.
    expect((await json<{ media_type: string | null }>('/v1/recordings/council-video')).media_type).toBeNull();
  }, 180_000);

  it('shows a thumbnail strip on the recording page and marks screen hits on the search page', async () => {
    const page = await (await get('/r/council-video')).text();
    expect(page).toMatch(/class="frames"/);
    expect(page).toContain('href="/r/council-video?t=4"');
    expect(page).toContain('src="/v1/recordings/council-video/frames/1.jpg"');
    expect(page).toMatch(/alt="[^"]*Ana Ruiz/);

    const results = await (await get('/?q=harbour+council&mode=bm25')).text();
    expect(results).toMatch(/class="[^"]*kind-screen/);
    expect(results).toMatch(/On screen/);
    const filtered = await (await get('/?q=harbour+council&mode=bm25&kind=speech')).text();
    expect(filtered).not.toMatch(/kind-screen/);
    expect(filtered).toMatch(/<option value="speech" selected/);
  });
});

describe('video: a failed OCR or keyframe extraction never fails the transcript', () => {
  let s: Services;
  let rt: JobRuntime;
  let dir: string;
  let close: () => Promise<void>;
  const ingest = (file: string, id: string) => ingestVideo(s, rt, file, id);

  beforeAll(async () => {
    // A language whose data is not installed: the OCR engine cannot start.
    ({ s, rt, dir, close } = await startVideoApp({ OCR_LANGS: 'xx' }, { engine: talkingEngine }));
  });
  afterAll(async () => close?.());

  it('keeps the keyframes without text when OCR cannot run', async () => {
    const voice = speak(['The harbour council met today.'], [], dir);
    const video = makeVideo(dir, 'no-ocr.mp4', [{ seconds: 3, colour: 'black', title: 'HARBOUR COUNCIL' }, { seconds: 3, colour: 'navy' }], voice.file);
    const job = await ingest(video, 'no-ocr');
    expect(job).toMatchObject({ status: 'succeeded', result: { frames: 2, screenMoments: 0, ocr: 'failed' } });
    expect((job.result as { ocrError: string }).ocrError).toMatch(/@tesseract\.js-data\/xx/);
    expect((await s.archive.frames('no-ocr')).map((f) => [f.at, f.text])).toEqual([[0, ''], [3, '']]);
    expect((await s.archive.segments('no-ocr')).map((c) => c.text).join(' ')).toMatch(/harbour/);
  });

  it('drops the keyframes, their thumbnails and screen text when a video is ingested again as a transcript', async () => {
    const voice = speak(['The harbour council met once more.'], [], dir);
    const video = makeVideo(dir, 'retold.mp4', [{ seconds: 3, colour: 'black' }, { seconds: 3, colour: 'navy' }], voice.file);
    expect((await ingest(video, 'retold')).status).toBe('succeeded');
    const thumbs = (await s.archive.frames('retold')).map((f) => f.thumbKey);
    expect(thumbs).toHaveLength(2);
    for (const k of thumbs) expect(await s.blobs.stat(k)).not.toBeNull();

    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nThe harbour council met once more, from the minutes.\n';
    await ingestTranscript(s, { fileName: 'retold.vtt', content: vtt, meta: meta('retold', { source: 'retold.vtt' }) });
    expect(await s.archive.frames('retold')).toEqual([]);
    for (const k of thumbs) expect(await s.blobs.stat(k)).toBeNull();
  });

  it('indexes the transcript without frames when keyframe extraction fails every attempt', async () => {
    const voice = speak(['The harbour council met again.'], [], dir);
    const video = makeVideo(dir, 'no-frames.mp4', [{ seconds: 3, colour: 'maroon', title: 'QUAY' }, { seconds: 3, colour: 'teal' }], voice.file);
    // An ffmpeg that decodes audio as usual but fails the keyframe run.
    const wrapper = path.join(dir, 'ffmpeg');
    fs.writeFileSync(wrapper, `#!/bin/sh\ncase "$*" in *showinfo*) echo "keyframes: simulated failure" >&2; exit 1;; esac\nexec '${ffmpegPath()}' "$@"\n`, { mode: 0o755 });
    const before = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = wrapper;
    try {
      const job = await ingest(video, 'no-frames');
      expect(job.status).toBe('succeeded');
      expect(job.result).toMatchObject({ frames: 0, screenMoments: 0 });
      expect((job.result as { framesError: string }).framesError).toMatch(/simulated failure/);
      const frames = (await rt.pipeline.stages.list(job.id)).find((r) => r.stage === 'frames');
      expect(frames).toMatchObject({ status: 'failed', attempts: 2 });
      expect(await s.archive.frames('no-frames')).toEqual([]);
      expect((await s.archive.get('no-frames'))?.status).toBe('ready');
    } finally {
      if (before === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = before;
    }
  });
});
