import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

// Quoted phrases over loopback HTTP: the embedded archive's moments, their text read from the archive's table.
const COUNCIL = `WEBVTT

00:00:01.000 --> 00:00:12.000
<v Chair>Item one is rent setting for council dwellings. The rent will rise by nine percent.

00:00:40.000 --> 00:00:55.000
<v Councillor Brennan>There is no rent control in the private sector. The council should press for a fair rent scheme with a proper register.

00:00:56.000 --> 00:00:58.000
<v Councillor Alvarez>Can I come in there, Chair?

00:01:30.000 --> 00:01:45.000
<v Councillor Osei>Fair enough, but the rent on the Hillside estate is the council's own business, and that is not fair.

00:02:30.000 --> 00:02:45.000
<v Chair>The register of electors is a separate item. Control of the budget is next.
`;
const RADIO = `WEBVTT

00:00:01.000 --> 00:00:12.000
<v Host>Rent control came back in the news this week, and listeners want to know what a fair rent is.
`;

describe('HTTP API: quoted phrases', () => {
  let t: TestServer;
  const search = async (params: Record<string, string>) => {
    const res = await fetch(`${t.url}/v1/search?${new URLSearchParams(params)}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    t = await startTestServer();
    for (const [id, vtt, date, collection] of [['council-1987', COUNCIL, '1987-03-12', 'council'], ['radio-2001', RADIO, '2001-05-02', 'radio']] as const) {
      const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, vtt, { id, title: id, recorded_at: date, collection }) });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('finds only the moments that say the phrase, counted and faceted alike', async () => {
    const words = await search({ q: 'fair rent', facets: 'true' });
    const phrase = await search({ q: '"fair rent"', facets: 'true' });
    expect(phrase.status).toBe(200);
    expect([phrase.body.phrases, phrase.body.matched_text, words.body.phrases]).toEqual([['fair rent'], 'fair rent', []]);
    expect(phrase.body.results.length).toBeGreaterThan(0);
    for (const r of phrase.body.results) expect(r.text).toMatch(/fair rent/i);
    expect(phrase.body.total).toBeLessThan(words.body.total);
    expect(phrase.body.facets.collection.map((b: { value: string }) => b.value).sort()).toEqual(['council', 'radio']);
    // The link opens on the sentence that says it, not on the reply after it, and the excerpt shows it.
    const council = phrase.body.results.find((r: { recording_id: string }) => r.recording_id === 'council-1987');
    const at = Number(new URL(council.url, t.url).searchParams.get('t'));
    expect(at).toBeGreaterThan(40);
    expect(at).toBeLessThan(55);
    expect(council.highlight).toMatch(/<mark>fair<\/mark> <mark>rent<\/mark> scheme/);
  });

  it('reads phrases within a question, with its dates and filters, in every kind of quotes', async () => {
    const { body } = await search({ q: 'what did they say about the “Hillside estate” in 1987?' });
    expect(body.routing).toMatchObject({ from: '1987-01-01', to: '1987-12-31' });
    expect(body.results.map((r: { text: string }) => /Hillside estate/.test(r.text))).toEqual(body.results.map(() => true));
    expect(body.results.length).toBeGreaterThan(0);
    expect((await search({ q: '"rent control"', collection: 'radio' })).body.results.map((r: { recording_id: string }) => r.recording_id)).toEqual(['radio-2001']);
  });

  it('finds nothing where no moment says the words in that order', async () => {
    for (const q of ['"register control"', '"rent fair"', '"fair rent" "budget deficit"']) {
      const { status, body } = await search({ q, mode: 'bm25' });
      expect(status, q).toBe(200);
      expect([body.results, body.total], q).toEqual([[], 0]);
    }
    // Nor does the vector leg add moments that do not say it.
    expect((await search({ q: '"register control"' })).body.results).toEqual([]);
  });

  it('says on the web page that every result says the phrase', async () => {
    const html = await (await fetch(`${t.url}/?${new URLSearchParams({ q: 'rent “Hillside estate”' })}`)).text();
    expect(html).toContain('Every result says <strong>“hillside estate”</strong> word for word');
    expect(html).not.toContain('Matched words');
    // A question pasted in quotes, which no moment says word for word, is a click from its words anywhere.
    const pasted = await (await fetch(`${t.url}/?${new URLSearchParams({ q: '"What did they say about rent control?"' })}`)).text();
    expect(pasted).toContain('No moment says <strong>“what did they say about rent control”</strong> word for word');
    expect(pasted).toContain(`<a href="/?${new URLSearchParams({ q: 'What did they say about rent control?' })}">the words anywhere</a>`);
  });

  it('ranks by meaning alone (mode=vector) the moments that say the phrase', async () => {
    const { status, body } = await search({ q: 'housing costs "fair rent"', mode: 'vector' });
    expect(status).toBe(200);
    expect(body.results.length).toBeGreaterThan(0);
    for (const r of body.results) expect([r.text, r.scores.bm25]).toEqual([expect.stringMatching(/fair rent/i), null]);
    expect((await search({ q: '"register control"', mode: 'vector' })).body.results).toEqual([]);
  });
});
