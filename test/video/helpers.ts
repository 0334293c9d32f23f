/** For the video tests: short videos made with ffmpeg (title cards and a lower third over a sine tone), and the app they go through. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Job } from '../../src/archive/jobs.js';
import { loadConfig } from '../../src/core/config.js';
import type { RecordingMeta, VisualEmbedder } from '../../src/core/index.js';
import { createLogger } from '../../src/core/log.js';
import { createApp } from '../../src/http/api/app.js';
import type { AsrEngine } from '../../src/ingest/audio/asr/port.js';
import { ffmpegPath } from '../../src/ingest/audio/decode.js';
import { createJobRuntime, type JobRuntime } from '../../src/ingest/pipeline/runtime.js';
import { sha256File, submitMedia } from '../../src/ingest/pipeline/submit.js';
import { openServices, type Services } from '../../src/main/services.js';
import { InProcessQueue } from '../../src/platform/queue/inprocess.js';
import { waitFor } from '../jobs/contract.js';
import { meta } from '../jobs/helpers.js';
import { migratedTemplate } from '../helpers/db.js';

export const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

export interface Scene {
  seconds: number;
  /** Background colour (ffmpeg colour name or 0xRRGGBB). */
  colour: string;
  /** A title card: large text in the middle. */
  title?: string;
  /** A lower third: smaller text on a dark band near the bottom. */
  lower?: string;
}

/** drawtext's own escaping for text given in a filter graph (inside '…'). */
const drawable = (t: string) => t.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:').replace(/,/g, '\\,').replace(/%/g, '\\%');

/**
 * An MP4 (H.264 + AAC) of the scenes one after the other, 640×360 at 25 fps, with `audio` (a WAV, padded with
 * silence to the video's length) or a sine tone as its sound. The cuts between scenes are hard, so each scene's
 * first frame is a scene change at exactly its start time.
 */
export function makeVideo(dir: string, name: string, scenes: Scene[], audio?: string): string {
  if (!fs.existsSync(FONT)) throw new Error(`${FONT} not found: apt-get install -y fonts-dejavu-core`);
  const parts = scenes.map((sc, i) => {
    const draw: string[] = [];
    if (sc.title) draw.push(`drawtext=fontfile=${FONT}:text='${drawable(sc.title)}':fontsize=56:fontcolor=white:x=(w-tw)/2:y=(h-th)/2`);
    if (sc.lower) draw.push(`drawtext=fontfile=${FONT}:text='${drawable(sc.lower)}':fontsize=32:fontcolor=white:box=1:boxcolor=black:boxborderw=10:x=40:y=h-80`);
    return `color=c=${sc.colour}:s=640x360:d=${sc.seconds}:r=25${draw.length ? `,${draw.join(',')}` : ''}[v${i}]`;
  });
  const total = scenes.reduce((a, sc) => a + sc.seconds, 0);
  const graph = `${parts.join(';')};${scenes.map((_, i) => `[v${i}]`).join('')}concat=n=${scenes.length}:v=1:a=0[v]`;
  const out = path.join(dir, name);
  const sound = audio ? ['-i', audio] : ['-f', 'lavfi', '-i', `sine=frequency=300:duration=${total}:sample_rate=16000`];
  execFileSync(ffmpegPath(), [
    '-nostdin', '-y', '-v', 'error', ...sound,
    '-filter_complex', `${graph};[0:a]apad[a]`, '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-t', String(total), out,
  ]);
  return out;
}

export interface VideoApp {
  s: Services;
  rt: JobRuntime;
  /** The app on a loopback port. */
  url: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * The real app over in-memory PGlite with an in-process job queue and the given ASR engine (no embeddings, no
 * sample archive), served on loopback; `close` stops it all and removes its data dir.
 */
export async function startVideoApp(env: Record<string, string>, opts: { engine: () => AsrEngine; visual?: VisualEmbedder }): Promise<VideoApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-video-'));
  const cfg = loadConfig({ LOG_LEVEL: 'silent', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', RATE_LIMIT_PER_MIN: '0', ...env, DATA_DIR: dir });
  const s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedder: null, embedCacheDir: null, ...(opts.visual ? { visual: opts.visual } : {}) });
  const rt = createJobRuntime(s, { queue: new InProcessQueue({ attempts: 2, backoffMs: 10, concurrency: 2 }, s.log), engine: async () => opts.engine() });
  await rt.start();
  const { app, close: closeApp } = createApp(s, rt);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', r));
  return {
    s,
    rt,
    dir,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise((r) => server.close(r));
      await closeApp();
      await rt.close();
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one media file through the job graph (no diarization) and waits for its job to end. */
export async function ingestVideo(s: Services, rt: JobRuntime, file: string, id: string, fields: Partial<RecordingMeta> = {}): Promise<Job> {
  const job = await submitMedia(s, rt, { source: { file }, meta: meta(id, { source: path.basename(file), ...fields }), sha256: await sha256File(file), settings: { diarization: 'none' } });
  return waitFor(async () => {
    const j = await rt.jobs.get(job.id);
    return j && (j.status === 'succeeded' || j.status === 'failed') ? j : null;
  }, 120_000, `job ${job.id}`);
}
