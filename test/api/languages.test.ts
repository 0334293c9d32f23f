import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/api/app.js';
import { startFakeLlm } from '../helpers/fake-llm.js';
import { pageHtml, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

// A Spanish and a German recording beside an English one, searched in their languages over loopback HTTP.
const SPANISH = `WEBVTT

00:00:01.000 --> 00:00:09.000
<v Entrevistadora>Buenos días. Hoy hablamos con Carmen Vidal, que trabajó treinta años en la fábrica textil.

00:00:10.000 --> 00:00:24.000
<v Carmen Vidal>Entré en la fábrica en 1958. En los años sesenta éramos casi ochocientas mujeres en los telares. Trabajábamos en tres turnos.

00:00:25.000 --> 00:00:40.000
<v Carmen Vidal>La huelga empezó en marzo de 1976. Pedíamos un aumento de salario y guarderías para los hijos. Duró seis semanas.

00:00:41.000 --> 00:00:55.000
<v Entrevistadora>¿Y cómo terminó?

00:00:56.000 --> 00:01:10.000
<v Carmen Vidal>Con un acuerdo: un aumento del doce por ciento. Pero la fábrica cerró en 1979 de todas formas.
`;
const GERMAN = `WEBVTT

00:00:01.000 --> 00:00:10.000
<v Vorsitzende>Wir kommen zum nächsten Tagesordnungspunkt, der neuen Straßenbahnlinie zum Hafen.

00:00:11.000 --> 00:00:26.000
<v Stadtrat Becker>Die Linie kostet nach der Vorlage 48 Millionen Mark. Die Werftarbeiter brauchen sie, denn die Busse sind morgens überfüllt.

00:00:27.000 --> 00:00:42.000
<v Stadträtin Krause>In den siebziger Jahren hatten wir schon einmal eine Straßenbahn zum Hafen. Sie wurde 1974 stillgelegt, weil die Werften Arbeiter entlassen haben.

00:00:43.000 --> 00:00:55.000
<v Vorsitzende>Wir stimmen ab. Der Antrag ist mit zwölf zu fünf Stimmen angenommen.
`;
const ENGLISH = `WEBVTT

00:00:01.000 --> 00:00:12.000
<v Host>The new tram line to the harbour opened in 1993, and the buses were taken off the route.
`;

describe('HTTP API: recordings in Spanish and German', () => {
  let t: TestServer;
  const search = async (qs: string) => {
    const res = await fetch(`${t.url}/v1/search?${qs}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const at = (r: { url: string }) => Number(new URL(r.url, t.url).searchParams.get('t'));
  const ask = async (base: string, body: object) => {
    const res = await fetch(`${base}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as any;
  };

  beforeAll(async () => {
    t = await startTestServer();
    for (const [id, vtt, language, date] of [
      ['fabrica-es', SPANISH, 'es', '1980-05-02'],
      ['tram-de', GERMAN, 'de-DE', '1992-09-14'],
      ['tram-en', ENGLISH, 'en', '1994-01-10'],
    ] as const) {
      const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, vtt, { id, title: id, recorded_at: date, language }) });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('answers a Spanish question from the Spanish recording, by its stems, with the link on the answer', async () => {
    const { status, body } = await search(`q=${encodeURIComponent('¿Qué pedían las mujeres en la huelga?')}`);
    expect(status).toBe(200);
    expect(body.language).toEqual({ code: 'es', source: 'detected' });
    // USE reads English only: the Spanish question is answered by BM25, and the response says so.
    expect(body.mode).toBe('bm25');
    expect(body.warnings.join(' ')).toMatch(/English only.*Spanish.*BM25/);
    const r = body.results[0];
    expect(r).toMatchObject({ recording_id: 'fabrica-es', language: 'es' });
    expect(at(r)).toBe(25); // "La huelga empezó en marzo de 1976 …"
    expect(r.highlight).toContain('<mark>huelga</mark>');
  });

  it('answers a Spanish question in /v1/ask when its year found nothing and all dates were searched', async () => {
    // Told of in 1980; the question's year, 1976, holds no recording.
    const res = await fetch(`${t.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: '¿Qué pedían las mujeres en la huelga de 1976?' }) });
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body.kind).toBe('extractive');
    expect(body.answer).toContain('Pedíamos un aumento de salario y guarderías para los hijos.');
    // As a search hit does, a citation says its recording's language, so that a client can mark the quote.
    expect(body.citations[0]).toMatchObject({ recording_id: 'fabrica-es', language: 'es' });
    expect(body.routing).toMatchObject({ from: '1976-01-01', fallback: true });
  });

  it('says in the question\'s language that the archive holds no answer', async () => {
    const es = await ask(t.url, { question: '¿Qué dijo el alcalde sobre los submarinos nucleares del Ártico?' });
    expect(es).toMatchObject({ kind: 'no_answer', answer: 'El archivo no contiene una respuesta a esta pregunta.' });
    // As a search does, the answer says how the question was read.
    expect(es.language).toEqual({ code: 'es', source: 'detected' });
    expect((await ask(t.url, { question: 'Hafen?', lang: 'de' })).language).toEqual({ code: 'de', source: 'param' });
    const de = await ask(t.url, { question: 'Was sagte der Bürgermeister über die Atom-U-Boote in der Arktis?' });
    expect(de).toMatchObject({ kind: 'no_answer', answer: 'Das Archiv enthält keine Antwort auf diese Frage.' });
  });

  describe('with a model', () => {
    const llm = startFakeLlm();
    let withModel: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      // The same archive served by an app with a scripted OpenAI-compatible model on loopback.
      const { app } = createApp({ ...t.services, cfg: { ...t.services.cfg, LLM_BASE_URL: await llm.listen(), LLM_MODEL: 'scripted' } });
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((r) => server.once('listening', r));
      withModel = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
    });
    afterAll(async () => {
      await withModel?.close();
      await llm.close();
    });

    it('asks for the answer in the question\'s language, and keeps the model\'s own "no answer" in it', async () => {
      llm.set({ reply: () => 'Los fragmentos del archivo no contienen una respuesta a esta pregunta.' });
      const out = await ask(withModel.url, { question: '¿Cuánto duró la huelga de las mujeres?' });
      expect(llm.requests.at(-1)!.user).toMatch(/answer in Spanish.*"Los fragmentos del archivo no contienen una respuesta a esta pregunta\."/);
      expect(out).toMatchObject({ kind: 'generative', answer: 'Los fragmentos del archivo no contienen una respuesta a esta pregunta.', unsupported: [] });
    });

    it('checks a Spanish citation by its words: the English-only model\'s cosine does not vouch for it', async () => {
      // The excerpt is about the strike; the claim shares a word or two with it and says something else. USE
      // places any two Spanish sentences close together, so its cosine would have let the claim through.
      llm.set({ reply: () => 'La huelga de las mujeres terminó con la venta de la empresa a un grupo alemán [1].' });
      const out = await ask(withModel.url, { question: '¿Cómo terminó la huelga?' });
      expect(out.unsupported).toEqual([expect.objectContaining({ reason: 'not_supported', semantic: null })]);
      expect(out.answer).toBe('Los fragmentos del archivo no respaldan una respuesta a esta pregunta.');
    });
  });

  it('answers a German question from the German recording, and reads its decade', async () => {
    const { body } = await search(`q=${encodeURIComponent('Warum wurde die Straßenbahn in den siebziger Jahren stillgelegt?')}`);
    expect(body.language.code).toBe('de');
    expect(body.routing).toMatchObject({ from: '1970-01-01', to: '1979-12-31', source: 'question' });
    // Recorded in 1992, told of the seventies: the routed search is thin, so all dates are searched.
    expect(body.routing.fallback).toBe(true);
    expect(body.results[0]).toMatchObject({ recording_id: 'tram-de', language: 'de-DE' });
    expect(at(body.results[0])).toBe(27);
  });

  it("falls back to all dates when a question's year finds nothing at all, even if the rest is thin", async () => {
    // Told of in 1980; the question's year, 1976, holds no recording.
    const { body } = await search(`q=${encodeURIComponent('¿Qué reclamaban las obreras en 1976?')}&mode=bm25`);
    expect(body.routing).toMatchObject({ from: '1976-01-01', to: '1976-12-31', fallback: true });
    expect(body.results[0]?.recording_id).toBe('fabrica-es');
  });

  it('routes "en los años ochenta" like "the eighties"', async () => {
    const es = await search(`q=${encodeURIComponent('¿Qué pasó con la fábrica en los años ochenta?')}&mode=bm25`);
    const en = await search(`q=${encodeURIComponent('What happened to the factory in the eighties?')}&mode=bm25`);
    expect(es.body.routing).toMatchObject({ from: '1980-01-01', to: '1989-12-31', source: 'question' });
    expect(en.body.routing).toMatchObject({ from: es.body.routing.from, to: es.body.routing.to });
    expect(es.body.matched_text).toBe('¿Qué pasó con la fábrica?');
    expect(es.body.results[0].recording_id).toBe('fabrica-es');
  });

  it("marks a recording's transcript and its search excerpts with the recording's language; the page itself stays English", async () => {
    const page = (path: string) => pageHtml(t, path);
    for (const [id, lang] of [['fabrica-es', 'es'], ['tram-de', 'de-DE'], ['tram-en', 'en']]) {
      const html = await page(`/r/${id}`);
      expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/i);
      expect(html, id).toMatch(new RegExp(`<div class="transcript" id="transcript" lang="${lang}">`));
    }
    const results = await page(`/?q=${encodeURIComponent('Hafen')}&lang=de&mode=bm25`);
    expect(results).toMatch(/<p class="text" lang="de-DE">/);
  });

  it('takes the language as lang=, and rejects one it does not know', async () => {
    const { body } = await search(`q=${encodeURIComponent('Hafen')}&lang=de&mode=bm25`);
    expect(body.language).toEqual({ code: 'de', source: 'param' });
    expect(body.results.map((r: { recording_id: string }) => r.recording_id)).toEqual(['tram-de']);
    const bad = await search('q=tram&lang=fr');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/lang/);
  });

  it('says in /v1/stats that the vector leg reads English only', async () => {
    const stats = (await (await fetch(`${t.url}/v1/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ vector_languages: 'en', vector_english_only: true, lexical_languages: ['en', 'es', 'de'] });
  });

  it('lists a Spanish or German moment under hybrid or vector search only when its words match: USE cannot read it', async () => {
    for (const qs of ['q=huelga', 'q=tram', `q=${encodeURIComponent('workers at the shipyard')}`, 'q=tram&mode=vector']) {
      const { body } = await search(`${qs}&limit=20`);
      expect(body.language.code).toBe('en');
      for (const r of body.results) if (r.language !== 'en') expect(r.scores.bm25, `${qs}: ${r.recording_id}`).not.toBeNull();
    }
    // The Spanish moment that says "huelga" is still found, by its word.
    const { body } = await search('q=huelga');
    expect(body.results[0]).toMatchObject({ recording_id: 'fabrica-es' });
  });

  it('keeps English questions on English analysis', async () => {
    const { body } = await search(`q=${encodeURIComponent('When did the tram line to the harbour open?')}`);
    expect(body.language).toEqual({ code: 'en', source: 'detected' });
    expect(body.mode).toBe('hybrid');
    expect(body.results[0].recording_id).toBe('tram-en');
  });
});
