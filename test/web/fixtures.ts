import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createApp, type Runtime } from '../../src/http/api/app.js';
import { KeyStore } from '../../src/archive/keys.js';
import type { Services } from '../../src/archive/services.js';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
export const AUDIO = path.resolve(__dirname, '../../../shared/audio/jfk.wav');
/** The same speech as an MP3: another file (another sha256), so another recording, for the upload test. */
export const AUDIO_MP3 = path.resolve(__dirname, '../../../shared/audio/jfk.mp3');

/** A transcript that no dev recording shares words with, for the upload test. */
export const LIGHTHOUSE_VTT = `WEBVTT

00:00:00.000 --> 00:00:06.000
<v Interviewer>Tell me about the years you kept the lighthouse on the headland.

00:00:06.500 --> 00:00:15.000
<v Keeper>Every night I trimmed the wicks and carried paraffin up the spiral stairs to the lantern room.

00:00:15.500 --> 00:00:24.000
<v Keeper>In the great gale the fog signal ran for three days and the lantern never went dark.
`;

export interface Closable {
  url: string;
  close(): Promise<void>;
}

/**
 * A scripted OpenAI-compatible chat endpoint on loopback. It answers from the excerpts it is sent: one sentence
 * made of excerpt [1]'s own words (supported), one about something no excerpt says (to be flagged), streamed in
 * small chunks with pauses so the page visibly streams.
 */
export async function scriptedLlm(): Promise<Closable & { requests: number }> {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', async () => {
      state.requests++;
      if (!req.url?.endsWith('/chat/completions')) return void res.writeHead(404).end('{}');
      const body = JSON.parse(raw) as { stream?: boolean; messages: { role: string; content: string }[] };
      const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
      const first = /\[1\][^\n]*\n([\s\S]*?)(?:\n\n\[\d+\]|\n\nQuestion:)/.exec(user)?.[1] ?? '';
      const quote = first.split(/\s+/).filter((w) => /\w/.test(w)).slice(0, 14).join(' ');
      const answer = `They said that ${quote} [1]. The committee also approved a lunar zebra sanctuary on Neptune [1].`;
      const id = 'chatcmpl-scripted';
      if (body.stream === false) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ id, object: 'chat.completion', created: 0, model: 'scripted', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: 'scripted', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      for (let i = 0; i < answer.length; i += 12) {
        res.write(chunk({ content: answer.slice(i, i + 12) }, null));
        await new Promise((r) => setTimeout(r, 25));
      }
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

/** The real app over the same services and job runtime with no language model configured: /v1/ask answers extractively. */
export function appWithoutLlm(s: Services, rt: Runtime): Promise<Closable> {
  const cfg = { ...s.cfg, LLM_BASE_URL: undefined, LLM_MODEL: undefined, LLM_API_KEY: undefined, LLM_MODEL_PATH: undefined };
  return listen(createApp({ ...s, cfg }, rt).app.fetch);
}

/** The real app over the same services and job runtime, configured to take writes without a key (AUTH_PUBLIC_WRITE=on). */
export function appWithPublicWrite(s: Services, rt: Runtime): Promise<Closable> {
  return listen(createApp({ ...s, cfg: { ...s.cfg, AUTH_PUBLIC_WRITE: true } }, rt).app.fetch);
}

/** A job, polled until it ends (with an archivist key: jobs are not public). */
export async function waitForJob(url: string, id: string, key: string, timeoutMs = 180_000): Promise<{ status: string; error: string | null; recordingId: string | null; attempts: number }> {
  const t0 = Date.now();
  for (;;) {
    // A poll may meet a kept-alive socket the server just closed (ECONNRESET) on a busy machine: poll again.
    const job = await fetch(`${url}/v1/jobs/${id}`, { headers: { Authorization: `Bearer ${key}` } }).then((r) => r.json()).catch(() => null);
    if (job?.status === 'succeeded' || job?.status === 'failed') return job;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${job?.status} (${job?.stage}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Archive {
  t: TestServer;
  llm: Closable & { requests: number };
  /** The same archive with no language model (extractive answers). */
  extractive: Closable;
  /** The same archive taking writes without a key. */
  open: Closable;
  keys: { archivist: string; reader: string };
  /** jfk.wav, uploaded through POST /v1/recordings and transcribed by the real pipeline (resolves when the job is done). */
  jfk: Promise<{ id: string; title: string }>;
  close(): Promise<void>;
}

export const JFK_TITLE = 'Inaugural address (excerpt)';

/**
 * The archive the browser tests share: the real app on loopback (PGlite, USE embeddings, scripted LLM) with
 * writes that need a key (AUTH_PUBLIC_WRITE=off, the default), three real dev transcripts (ES2002a is long
 * enough for real chapters) and jfk.wav uploaded as audio, transcribed by pocketsphinx and served with Range.
 * The audio job runs while the transcripts are ingested and the first tests run; `jfk` resolves when it is done.
 */
export async function startArchive(): Promise<Archive> {
  const llm = await scriptedLlm();
  const t = await startTestServer({ LLM_BASE_URL: llm.url, LLM_MODEL: 'scripted', AUTH_PUBLIC_WRITE: 'off', SAMPLE_ARCHIVE: 'off' });
  const store = new KeyStore(t.services.db);
  const keys = { archivist: (await store.create('browser-test', 'archivist')).key, reader: (await store.create('browser-test-reader', 'reader')).key };
  const auth = { Authorization: `Bearer ${keys.archivist}` };

  const form = new FormData();
  form.set('title', JFK_TITLE);
  form.set('recorded_at', '1961-01-20');
  form.set('collection', 'speeches');
  form.set('file', new File([fs.readFileSync(AUDIO)], 'jfk.wav', { type: 'audio/wav' }));
  const up = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: form, headers: auth });
  if (up.status !== 202) throw new Error(`jfk.wav upload: ${up.status} ${await up.text()}`);
  const accepted = (await up.json()) as { recording: { id: string }; job: { id: string } };
  const jfk = waitForJob(t.url, accepted.job.id, keys.archivist).then((job) => {
    if (job.status !== 'succeeded') throw new Error(`jfk.wav job ${job.status}: ${job.error}`);
    return { id: accepted.recording.id, title: JFK_TITLE };
  });
  jfk.catch(() => {}); // awaited by the tests that need it

  const add = async (id: string, fields: Record<string, string>) => {
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, devTranscript(id), { id, ...fields }), headers: auth });
    if (res.status !== 201) throw new Error(`ingest ${id}: ${res.status} ${await res.text()}`);
  };
  await add('ES2005a', { title: 'Remote control kick-off', recorded_at: '1992-01-11', collection: 'qmsum' });
  await add('IS1004a', { title: 'Design meeting', recorded_at: '2021-06-03', collection: 'other' });
  await add('ES2002a', { title: 'Product launch meeting', recorded_at: '2005-03-14', collection: 'qmsum' });
  const extractive = await appWithoutLlm(t.services, t.runtime);
  const open = await appWithPublicWrite(t.services, t.runtime);
  return {
    t,
    llm,
    extractive,
    open,
    keys,
    jfk,
    async close() {
      await extractive.close();
      await open.close();
      await t.close();
      await llm.close();
    },
  };
}

/** A WAV header that promises samples and holds none: ffprobe accepts it, the pipeline's decode stage fails. */
export function wavWithoutSamples(): Buffer {
  const b = Buffer.alloc(44);
  b.write('RIFF', 0);
  b.writeUInt32LE(36, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(16_000, 24);
  b.writeUInt32LE(32_000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(0, 40);
  return b;
}

async function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<Closable> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
