import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../helpers/postgres.js';
import { freePort, waitFor } from './helpers.js';

/*
 * The production setup: two API processes (`tsx src/main/cli.ts serve`, real child processes) on one Postgres
 * server database, jobs queued in Redis for workers (none run here, so no transcription starts). The same
 * file uploaded to both at once is stored once: the in-process lock of each cannot see the other, the
 * database's unique indexes can.
 */

const ROOT = path.resolve(__dirname, '../..');
const AUDIO = path.resolve(ROOT, '../shared/audio');

interface Api {
  url: string;
  child: ChildProcess;
  stderr: string[];
}

async function startApi(env: Record<string, string>): Promise<Api> {
  const port = await freePort();
  const stderr: string[] = [];
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main/cli.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}: ${stderr.join('')}`);
      return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    },
    60_000,
    'the API process to answer /healthz',
  );
  return { url, child, stderr };
}

async function stopApi(api: Api | undefined): Promise<void> {
  if (!api || api.child.exitCode !== null || api.child.pid === undefined) return;
  const exited = new Promise((r) => api.child.once('exit', r));
  process.kill(-api.child.pid, 'SIGTERM');
  const timer = setTimeout(() => api.child.pid !== undefined && process.kill(-api.child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function upload(api: Api, name: string, bytes: Buffer) {
  const form = new FormData();
  form.set('file', new File([new Uint8Array(bytes)], name, { type: 'audio/wav' }));
  return fetch(`${api.url}/v1/recordings`, { method: 'POST', body: form }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
}

describe('two API processes on one Postgres server (real child processes)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let client: pg.Client;
  let dataDir: string;
  let a: Api | undefined;
  let b: Api | undefined;

  beforeAll(async () => {
    db = await createScratchDatabase();
    // One DATA_DIR: the blob store two API hosts would share (S3 or a shared volume).
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-two-api-'));
    const env = {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      EMBEDDINGS: 'none',
      SAMPLE_ARCHIVE: 'off',
      LOG_LEVEL: 'warn',
      AUTH_PUBLIC_WRITE: 'on',
      RATE_LIMIT_PER_MIN: '0',
      JOB_QUEUE: 'bullmq',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JOB_QUEUE_PREFIX: `sa-two-api-${randomBytes(4).toString('hex')}`,
    };
    [a, b] = await Promise.all([startApi(env), startApi(env)]);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stopApi(a), stopApi(b)]);
    await client?.end().catch(() => {});
    await db?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const recordingsOf = async (sha: string) =>
    (await client.query<{ id: string }>('SELECT id FROM recordings WHERE checksum = $1', [sha])).rows.map((r) => r.id);
  const mediaJobsOf = async (id: string) =>
    (await client.query<{ id: string }>("SELECT id FROM jobs WHERE kind = 'ingest-media' AND recording_id = $1", [id])).rows.map((r) => r.id);

  it('the same file under two names, sent to both at once, is one recording with one job', async () => {
    const bytes = fs.readFileSync(path.join(AUDIO, 'jfk.wav'));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const [ra, rb] = await Promise.all([upload(a!, 'inaugural.wav', bytes), upload(b!, 'kennedy-1961.wav', bytes)]);
    expect([ra.status, rb.status].sort(), JSON.stringify([ra.body, rb.body])).toEqual([200, 202]);
    // Both answers name the one recording; the later one says it was already there.
    expect(ra.body.recording.id).toBe(rb.body.recording.id);
    expect([ra.body.duplicate, rb.body.duplicate].sort()).toEqual([false, true]);
    const ids = await recordingsOf(sha);
    expect(ids).toEqual([ra.body.recording.id]);
    expect((await client.query('SELECT count(*)::int AS n FROM recordings')).rows[0].n).toBe(1);
    expect(await mediaJobsOf(ids[0])).toHaveLength(1);
  }, 60_000);

  it('the same file under one name (one recording id) sent to both at once gets one job', async () => {
    const bytes = fs.readFileSync(path.join(AUDIO, 'diarization/sample.wav'));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const [ra, rb] = await Promise.all([upload(a!, 'panel.wav', bytes), upload(b!, 'panel.wav', bytes)]);
    expect([ra.status, rb.status], JSON.stringify([ra.body, rb.body])).not.toContain(500);
    expect(ra.body.recording.id).toBe(rb.body.recording.id);
    const ids = await recordingsOf(sha);
    expect(ids).toEqual([ra.body.recording.id]);
    const jobs = await mediaJobsOf(ids[0]);
    expect(jobs).toHaveLength(1);
    // Whoever answered with a job answered with that one.
    for (const r of [ra, rb]) if (r.body.job) expect(r.body.job.id).toBe(jobs[0]);
  }, 60_000);
});
