import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/api/app.js';
import { mergeSpans } from '../../src/retrieval/fusion.js';
import { startFakeLlm } from '../helpers/fake-llm.js';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

/** The longest sentence of an excerpt, verbatim: a claim the excerpt certainly supports. */
const quote = (text: string) => [...(text.match(/[^.?!]+[.?!]?/g) ?? [text])].map((x) => x.trim()).sort((a, b) => b.length - a.length)[0];
const good = (ex: Map<number, string>) => `They said "${quote(ex.get(1)!)}" [1]. They also said "${quote(ex.get(2)!)}" [2].`;

type Answer = { answer: string; kind: string; citations: Citation[]; unsupported: { sentence: string; reason: string; citations: number[] }[]; removed_citations: number[]; truncated: boolean; cached: boolean; model: string | null };
type Citation = { n: number; recording_id: string; recording_title: string; start: number; end: number; at: number; text: string; url: string; moment_ids: string[]; quote?: string };

describe('POST /v1/ask (real app, USE embeddings, scripted OpenAI-compatible model on loopback)', () => {
  const llm = startFakeLlm();
  let t: TestServer;
  let plain: { url: string; close(): Promise<void> };

  const ask = async (body: object, base = t.url) => {
    const res = await fetch(`${base}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const askSse = async (body: object) => {
    const res = await fetch(`${t.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body) });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text()).split(/\n\n+/).filter(Boolean).map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1],
      data: JSON.parse(block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')),
    }));
    return { tokens: events.filter((e) => e.event === 'token').map((e) => e.data.text as string), last: events[events.length - 1] };
  };
  /** Every citation names a stored passage: its text is the moments' text, its link opens inside it. */
  const checkCitations = async (a: Answer) => {
    const ns = [...a.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(new Set(ns)).toEqual(new Set(a.citations.map((c) => c.n)));
    for (const c of a.citations) {
      const link = new URL(c.url, t.url);
      expect(link.pathname).toBe(`/r/${c.recording_id}`);
      const at = Number(link.searchParams.get('t'));
      // Times to the millisecond, as the link gives them.
      expect(at).toBe(c.at);
      for (const x of [c.start, c.end]) expect(x).toBe(Math.round(x * 1000) / 1000);
      expect(at).toBeGreaterThanOrEqual(c.start);
      expect(at).toBeLessThanOrEqual(c.end);
      const moments = [...(await t.services.archive.momentsByIds(c.moment_ids)).values()];
      expect(moments.length).toBe(c.moment_ids.length);
      const [span] = mergeSpans(moments.map((m) => ({ ...m, score: 0 })), 2, () => {});
      if (c.at <= span.end) {
        expect({ text: c.text, start: c.start, end: c.end }).toEqual({ text: span.text, start: span.start, end: span.end });
      } else {
        // Opened on the reply to a prompt past its moments: shown with that reply, run on from them.
        expect(c.start).toBe(span.start);
        expect(c.text.startsWith(`${span.text} `)).toBe(true);
        expect(c.end).toBeGreaterThan(c.at);
      }
      expect(c.recording_title).toBe(moments[0].recordingTitle);
    }
  };

  beforeAll(async () => {
    t = await startTestServer({ LLM_BASE_URL: await llm.listen(), LLM_MODEL: 'scripted' });
    for (const [id, title, date] of [['ES2005a', 'Remote control kick-off', '1992-01-11'], ['IS1004a', 'Design meeting', '2021-06-03']]) {
      const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, devTranscript(id), { id, title, recorded_at: date }) });
      expect(res.status).toBe(201);
    }
    // The same archive served by an app with no model configured.
    const { app } = createApp({ ...t.services, cfg: { ...t.services.cfg, LLM_BASE_URL: undefined, LLM_MODEL: undefined } });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', r));
    plain = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
  });
  afterAll(async () => {
    await plain?.close();
    await t?.close();
    await llm.close();
  });

  it('answers with verified citations from a non-streamed reply, and caches the answer', async () => {
    llm.set({ reply: good });
    const q = { question: 'What selling price and profit target did the team set for the remote control?' };
    const { status, body } = await ask(q);
    expect(status).toBe(200);
    expect(llm.requests.at(-1)!.stream).toBe(false);
    expect(body).toMatchObject({ kind: 'generative', model: 'openai:scripted', unsupported: [], removed_citations: [], truncated: false, cached: false });
    expect(body.answer).toMatch(/\[1\].*\[2\]/);
    expect(body.citations.map((c: Citation) => c.n)).toEqual([1, 2]);
    await checkCitations(body);
    const before = llm.requests.length;
    const again = await ask(q);
    expect(again.body).toMatchObject({ cached: true, answer: body.answer });
    expect(llm.requests.length).toBe(before);
  });

  it('retrieves once: each leg is searched once for the question (the excerpts reuse the search scores)', async () => {
    llm.set({ reply: good });
    const s = t.services;
    const calls = { lexical: 0, vector: 0 };
    const lexical = s.lexical.search.bind(s.lexical);
    const vector = s.vectors!.search.bind(s.vectors);
    s.lexical.search = (...a) => (calls.lexical++, lexical(...a));
    s.vectors!.search = (...a) => (calls.vector++, vector(...a));
    try {
      // Only subject words: the relevance gate then needs no second vector lookup for them.
      const { status, body } = await ask({ question: 'remote control selling price profit target' });
      expect(status).toBe(200);
      expect(body.citations.length).toBeGreaterThan(0);
    } finally {
      s.lexical.search = lexical;
      s.vectors!.search = vector;
    }
    expect(calls).toEqual({ lexical: 1, vector: 1 });
  });

  it('removes invented citation numbers, in JSON and in the final SSE event', async () => {
    llm.set({ reply: (ex) => `The budget was approved by the board [7]. They said "${quote(ex.get(3)!)}" [3][7]. ${good(ex)}` });
    const q = { question: 'What was said about the price of the remote control?', limit: 5 };
    const { body } = await ask(q);
    expect(llm.requests.at(-1)!.excerpts.size).toBeLessThanOrEqual(5);
    expect(body.removed_citations).toEqual([7]);
    expect(body.answer).not.toContain('[7]');
    expect(body.answer).toMatch(/^They said "[^"]+" \[3\]\. They said/);
    expect(body.citations.map((c: Citation) => c.n)).toEqual([1, 2, 3]);
    expect(body.citations.every((c: Citation) => c.n >= 1 && c.n <= 5)).toBe(true);
    expect(body.unsupported).toContainEqual(expect.objectContaining({ reason: 'invented_citation', sentence: 'The budget was approved by the board.' }));
    await checkCitations(body);

    const sse = await askSse({ ...q, question: 'What did they say about the price of the remote control?' });
    expect(llm.requests.at(-1)!.stream).toBe(true);
    expect(sse.tokens.join('')).toContain('[7]'); // raw model output, streamed as it came
    expect(sse.last.event).toBe('done');
    expect(sse.last.data.removed_citations).toEqual([7]);
    expect(sse.last.data.answer).not.toContain('[7]');
    expect(JSON.stringify(sse.last.data.citations)).not.toMatch(/"n":7\b/);
    await checkCitations(sse.last.data);
  });

  it('flags unsupported and uncited claims and keeps them out of the answer', async () => {
    llm.set({ reply: (ex) => `They said "${quote(ex.get(1)!)}" [1]. The team agreed to launch a chocolate flavoured submarine in Antarctica [2]. Quantum computers will replace televisions by next spring.` });
    const { body } = await ask({ question: 'What features should the new remote control have?' });
    expect(body.unsupported).toEqual([
      expect.objectContaining({ reason: 'not_supported', citations: [2], sentence: expect.stringContaining('submarine') }),
      expect.objectContaining({ reason: 'uncited', citations: [], sentence: expect.stringContaining('Quantum') }),
    ]);
    expect(body.answer).not.toMatch(/submarine|Quantum/);
    expect(body.citations.map((c: Citation) => c.n)).toEqual([1]);
    await checkCitations(body);
  });

  it('returns what arrived, verified and marked truncated, when the model stream is cut', async () => {
    llm.set({ reply: (ex) => `${good(ex)} ${good(ex)} ${good(ex)}`, mode: 'cut' });
    const sse = await askSse({ question: 'What did the industrial designer say about remote controls he has used?' });
    expect(sse.tokens.length).toBeGreaterThan(0);
    expect(sse.last.event).toBe('done');
    expect(sse.last.data).toMatchObject({ kind: 'generative', truncated: true });
    expect(sse.last.data.answer).toContain('[1]');
    await checkCitations(sse.last.data);
    // A plain request cut before any answer arrived has nothing to return: a clear upstream error.
    const cut = await ask({ question: 'What did the industrial designer say about basic remote controls?' });
    expect(cut.status).toBe(502);
    expect(cut.body.error).toMatchObject({ code: 'upstream_error', message: 'the answer service is unavailable' });
    // A stream cut before its first token: the SSE response ends with an error event.
    llm.set({ reply: () => '', mode: 'cut' });
    const failed = await askSse({ question: 'What did the industrial designer say about remote controls he has used?' });
    expect(failed.tokens).toEqual([]);
    expect(failed.last).toMatchObject({ event: 'error', data: { error: { code: 'upstream_error' } } });
  });

  it('quotes the archive, labelled extractive, when no model is configured', async () => {
    const before = llm.requests.length;
    const { status, body } = await ask({ question: 'What selling price and profit target did the team set for the remote control?' }, plain.url);
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'extractive', model: null, unsupported: [], removed_citations: [] });
    expect(body.citations.length).toBeGreaterThan(0);
    // Each line a verbatim quote with its speaker; the sentence naming price and profit comes first.
    for (const line of body.answer.split('\n')) expect(line).toMatch(/^(.+: )?"[^"]+" \[\d+\]$/);
    expect(body.answer.split('\n')[0]).toMatch(/^Project Manager: ".*twenty-five Euro.*fifty million Euros.*"/);
    // Each citation names the sentence it quotes, as its line quotes it.
    for (const c of body.citations as Citation[]) expect(body.answer).toContain(`"${c.quote}" [${c.n}]`);
    await checkCitations(body);
    expect(llm.requests.length).toBe(before);
  });

  it('says the archive holds no answer, without asking the model, when nothing relevant is retrieved', async () => {
    const before = llm.requests.length;
    for (const q of [{ question: 'What is the boiling point of mercury on Venus?' }, { question: 'Who won the 1998 football World Cup?' }]) {
      const { status, body } = await ask(q);
      expect(status).toBe(200);
      expect(body).toMatchObject({ kind: 'no_answer', citations: [], unsupported: [] });
      expect(body.answer).toMatch(/does not contain an answer/);
    }
    // Within a recording that is not in the archive there is nothing to answer from: the request is wrong, not the archive.
    const unknown = await ask({ question: 'remote control price', recording: 'no-such-recording' });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'not_found']);
    const sse = await askSse({ question: 'How do I bake sourdough bread?' });
    expect(sse.tokens).toEqual([]);
    expect(sse.last.data.kind).toBe('no_answer');
    expect((await ask({ question: 'What is the boiling point of mercury on Venus?' }, plain.url)).body.kind).toBe('no_answer');
    expect(llm.requests.length).toBe(before);
  });

  it('lists the nearest passages with a no_answer, each opening at its moment, so that a refusal is not a dead end', async () => {
    // "price" is in the archive; sourdough bread is not: too little of the question to answer from.
    const { body } = await ask({ question: 'What price did the team set for the sourdough bread?' });
    expect(body).toMatchObject({ kind: 'no_answer', citations: [] });
    expect(body.nearest.length).toBeGreaterThan(0);
    expect(body.nearest.length).toBeLessThanOrEqual(3);
    for (const n of body.nearest) expect(n.url).toBe(`/r/${n.recording_id}?t=${n.at}`);
    expect(body.nearest.map((n: { text: string }) => n.text).join(' ')).toMatch(/price/i);
    // An answer's passages are its citations.
    const answered = await ask({ question: 'What selling price and profit target did the team set for the remote control?' }, plain.url);
    expect(answered.body).toMatchObject({ kind: 'extractive', nearest: [] });
  });

  it('validates the body and documents the route', async () => {
    for (const body of [{}, { question: '' }, { question: 'x'.repeat(1001) }, { question: 'x', limit: 0 }, { question: 'x', from: '1992-13-40' }, { question: 'x', temporal: 'sometimes' }]) {
      const res = await ask(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    const doc = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(doc.paths['/v1/ask'].post.responses['200'].content).toHaveProperty('text/event-stream');
    expect(doc.components.schemas).toHaveProperty('AskResponse');
  });
});
