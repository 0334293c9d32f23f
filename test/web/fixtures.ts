import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Context } from 'hono';
import { createApp } from '../../search/api/app.js';
import type { Services } from '../../src/services.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
export const AUDIO = path.resolve(__dirname, '../../../shared/audio/jfk.wav');

/** A transcript that no dev recording shares words with, for the upload test. */
export const LIGHTHOUSE_VTT = `WEBVTT

00:00:00.000 --> 00:00:06.000
<v Interviewer>Tell me about the years you kept the lighthouse on the headland.

00:00:06.500 --> 00:00:15.000
<v Keeper>Every night I trimmed the wicks and carried paraffin up the spiral stairs to the lantern room.

00:00:15.500 --> 00:00:24.000
<v Keeper>In the great gale the fog signal ran for three days and the lantern never went dark.
`;

/** The speech in jfk.wav, cue by cue. */
export const JFK_VTT = `WEBVTT

00:00:00.300 --> 00:00:03.200
<v Kennedy>And so my fellow Americans,

00:00:03.600 --> 00:00:07.400
<v Kennedy>ask not what your country can do for you,

00:00:07.800 --> 00:00:10.900
<v Kennedy>ask what you can do for your country.
`;
export const JFK_CHAPTERS = [
  { start: 0, end: 3.4, title: 'Address' },
  { start: 3.4, end: 11, title: 'Ask not' },
];

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

/** Serves a file with HTTP Range, as media servers do (the player seeks with ranges). */
function rangeFile(c: Context, file: string, type: string): Response {
  const buf = fs.readFileSync(file);
  const m = /^bytes=(\d*)-(\d*)$/.exec(c.req.header('range') ?? '');
  if (!m) return new Response(buf, { headers: { 'content-type': type, 'accept-ranges': 'bytes', 'content-length': String(buf.length) } });
  const start = m[1] ? Number(m[1]) : Math.max(0, buf.length - Number(m[2]));
  const end = m[1] && m[2] ? Math.min(Number(m[2]), buf.length - 1) : buf.length - 1;
  return new Response(buf.subarray(start, end + 1), {
    status: 206,
    headers: { 'content-type': type, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${buf.length}`, 'content-length': String(end - start + 1) },
  });
}

/**
 * A second instance of the real app over the same services, for the parts the audio pipeline will add later:
 * its in-process API answers `media_url` and chapters for one recording (and a media_url that 404s for another),
 * and the media is served with Range.
 * Everything else is the app as it is.
 */
export async function appWithMediaAndChapters(s: Services, id: string, brokenMediaId: string): Promise<Closable> {
  const { app } = createApp(s);
  app.get('/test-media/jfk.wav', (c) => rangeFile(c, AUDIO, 'audio/wav'));
  const request = app.request.bind(app);
  app.request = (async (input: string, init?: RequestInit) => {
    const url = String(input);
    if (url === `/v1/recordings/${id}/chapters`) return Response.json(JFK_CHAPTERS);
    const res = await request(input, init);
    if (url === `/v1/recordings/${id}` && res.ok) return Response.json({ ...(await res.json()), media_url: '/test-media/jfk.wav' });
    if (url === `/v1/recordings/${brokenMediaId}` && res.ok) return Response.json({ ...(await res.json()), media_url: '/test-media/gone.wav' });
    return res;
  }) as typeof app.request;
  return listen(app.fetch);
}

/** The real app over the same services with no language model configured: /v1/ask answers extractively. */
export function appWithoutLlm(s: Services): Promise<Closable> {
  const cfg = { ...s.cfg, LLM_BASE_URL: undefined, LLM_MODEL: undefined, LLM_API_KEY: undefined, LLM_MODEL_PATH: undefined };
  return listen(createApp({ ...s, cfg }).app.fetch);
}

async function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<Closable> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
