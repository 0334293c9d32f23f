import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { csvRecord } from '../../src/http/api/csv.js';
import { encodeCursor, searchHash } from '../../src/http/api/cursor.js';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

/** A recording written for the test: every cue is its own sentence, some say "aardvark", one is hostile to CSV. */
function zooTranscript(): string {
  const cues: string[] = [];
  const line = (i: number, text: string) => {
    const t = (s: number) => `00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`;
    cues.push(`${t(i * 60)} --> ${t(i * 60 + 8)}\n<v Keeper>${text}`);
  };
  for (let i = 0; i < 12; i++) line(i, i % 3 === 0 ? `The aardvark number ${i} was fed at noon.` : `The giraffe number ${i} slept all day.`);
  line(12, 'She said, "aardvarks, of course", and then\nwrote it down.');
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}

describe('search paging, totals and export (PGlite, real USE embeddings, loopback HTTP)', () => {
  let t: TestServer;
  const get = async (p: string, headers: Record<string, string> = {}) => {
    const res = await fetch(t.url + p, { headers });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, body: type.includes('json') ? await res.json() : await res.text() };
  };
  const ingest = async (name: string, content: string, fields: Record<string, string>) => {
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(name, content, fields) });
    expect(res.status).toBe(201);
  };
  /** Pages of `limit` through a search, following next_cursor to its end. */
  const pages = async (query: string, limit: number) => {
    const out: any[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 300; i++) {
      const page: any = (await get(`/v1/search?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)).body;
      expect(page.results.length).toBeGreaterThan(0);
      out.push(page);
      cursor = page.next_cursor;
      if (!cursor) return out;
    }
    throw new Error('paging did not end');
  };
  const key = (r: { recording_id: string; start: number; end: number }) => `${r.recording_id}@${r.start}-${r.end}`;

  beforeAll(async () => {
    t = await startTestServer();
    await ingest('ES2005a.vtt', devTranscript('ES2005a'), { id: 'ES2005a', title: 'Remote control kick-off', recorded_at: '1992-01-11', collection: 'qmsum' });
    await ingest('IS1004a.vtt', devTranscript('IS1004a'), { id: 'IS1004a', title: 'Design meeting', recorded_at: '2021-06-03', collection: 'other' });
    await ingest('ES2008a.vtt', devTranscript('ES2008a'), { id: 'ES2008a', title: 'Remote, "again", with commas', recorded_at: '1995-02-02', collection: 'qmsum' });
    const docks = fs.readFileSync(path.resolve(__dirname, '../../sample/recordings/oral-history-1974-docks.vtt'), 'utf8');
    await ingest('docks.vtt', docks, { id: 'oral-history-1974-docks', title: 'Oral History: docks', recorded_at: '1974-06-18', collection: 'oral-history' });
    await ingest('zoo.vtt', zooTranscript(), { id: 'zoo', title: 'Zoo, day one', recorded_at: '2001-05-05', collection: 'zoo' });
  }, 300_000);
  afterAll(async () => t?.close());

  for (const mode of ['bm25', 'hybrid'] as const) {
    it(`pages on from the first page without repeating a moment, in the ranking a deeper search gives, and ends (${mode})`, async () => {
      const query = `q=remote%20control%20design&mode=${mode}`;
      const paged = await pages(query, 7);
      expect(paged.length).toBeGreaterThan(3);
      // The first page is the search's own first page.
      expect(paged[0].results).toEqual((await get(`/v1/search?${query}&limit=7`)).body.results);
      // No moment is shown twice across the pages.
      const ids = paged.flatMap((p) => p.results.flatMap((r: any) => r.moment_ids));
      expect(new Set(ids).size).toBe(ids.length);
      // The pages after the first are one ranking: paging again with another page size gives the same passages.
      const after = (pp: any[]) => pp.slice(1).flatMap((p) => p.results.map(key));
      const other = await pages(query, 7).then(async (p7) => {
        const first = p7[0];
        const rest: any[] = [];
        let cursor = first.next_cursor;
        while (cursor) {
          // The same first page, then pages of 13: the cursor carries the first page's size.
          const page: any = (await get(`/v1/search?${query}&limit=13&cursor=${cursor}`)).body;
          rest.push(page);
          cursor = page.next_cursor;
        }
        return [first, ...rest];
      });
      expect(after(other)).toEqual(after(paged));
      expect(paged.at(-1).next_cursor).toBeNull();
      expect(new Set(paged.map((p) => p.total)).size).toBe(1);
    }, 180_000);
  }

  it('pages on across the rankings the pages after the first come from, in one sequence whatever the page size', async () => {
    // 260 sightings a minute apart: 260 passages, more than the first of the rankings later pages continue.
    const cues = Array.from({ length: 260 }, (_, i) => {
      const t = (s: number) => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`;
      return `${t(i * 60)} --> ${t(i * 60 + 6)}\n<v Ranger>An okapi was seen at post ${i}${i % 4 === 0 ? ', and another okapi behind it' : ''}.`;
    });
    await ingest('okapi.vtt', `WEBVTT\n\n${cues.join('\n\n')}\n`, { id: 'okapi-survey', title: 'Okapi survey', recorded_at: '2003-03-03', collection: 'survey' });
    const query = 'q=okapi&mode=bm25&collection=survey';
    const by30 = await pages(query, 30);
    const ids = by30.flatMap((p) => p.results.flatMap((r: any) => r.moment_ids));
    expect(new Set(ids).size).toBe(ids.length);
    expect(by30.flatMap((p) => p.results).length).toBe(260);
    expect(by30.at(-1).next_cursor).toBeNull();
    // The same first page, then pages of 45: the passages after it are the same, in the same order.
    const rest: any[] = [];
    let cursor = by30[0].next_cursor;
    while (cursor) {
      const page: any = (await get(`/v1/search?${query}&limit=45&cursor=${cursor}`)).body;
      expect(page.results.length).toBeGreaterThan(0);
      rest.push(...page.results);
      cursor = page.next_cursor;
    }
    expect(rest.map(key)).toEqual(by30.slice(1).flatMap((p) => p.results.map(key)));
  }, 180_000);

  it('counts the moments the lexical leg matches as total, exactly, under the filters', async () => {
    const moments = await t.services.archive.moments('zoo');
    const truth = moments.filter((m) => /aardvark/i.test(m.text)).length;
    expect(truth).toBeGreaterThan(3);
    const r = (await get('/v1/search?q=aardvark&mode=bm25&limit=2')).body;
    expect(r).toMatchObject({ total: truth, total_relation: 'eq' });
    expect(r.results).toHaveLength(2);
    expect(typeof r.next_cursor).toBe('string');
    const zooOnly = (await get('/v1/search?q=aardvark&mode=bm25&collection=qmsum')).body;
    expect(zooOnly).toMatchObject({ total: 0, total_relation: 'eq', results: [], next_cursor: null });
    // Hybrid counts the same lexical matches; vector has no matches to count.
    expect((await get('/v1/search?q=aardvark&limit=2')).body.total).toBe(truth);
    expect((await get('/v1/search?q=aardvark&mode=vector&limit=2')).body).toMatchObject({ total: null, total_relation: null });
  });

  it('ends with next_cursor null, and keeps cached pages apart', async () => {
    const one = (await get('/v1/search?q=aardvark&mode=bm25&limit=100')).body;
    expect(one.next_cursor).toBeNull();
    expect(one.total_passages).toBe(one.results.length);
    const first = (await get('/v1/search?q=aardvark&mode=bm25&limit=1')).body;
    const second = (await get(`/v1/search?q=aardvark&mode=bm25&limit=1&cursor=${first.next_cursor}`)).body;
    const secondAgain = (await get(`/v1/search?q=aardvark&mode=bm25&limit=1&cursor=${first.next_cursor}`)).body;
    expect(secondAgain.cached).toBe(true);
    expect(secondAgain.results).toEqual(second.results);
    expect(second.results[0].moment_ids.some((id: string) => first.results[0].moment_ids.includes(id))).toBe(false);
    expect(one.results.map(key)).toContain(key(second.results[0]));
    expect((await get('/v1/search?q=aardvark&mode=bm25&limit=1')).body.results).toEqual(first.results);
  });

  it('refuses a malformed cursor, one made for another search, and one beyond the paging cap', async () => {
    const first = (await get('/v1/search?q=aardvark&mode=bm25&limit=1')).body;
    const cases: Array<[string, RegExp]> = [
      ['/v1/search?q=aardvark&mode=bm25&cursor=not-a-cursor', /malformed/],
      ['/v1/search?q=aardvark&mode=bm25&cursor=%25%25%25', /malformed/],
      [`/v1/search?q=giraffe&mode=bm25&cursor=${first.next_cursor}`, /another search/],
      [`/v1/search?q=aardvark&mode=hybrid&cursor=${first.next_cursor}`, /another search/],
      [`/v1/search?q=aardvark&mode=bm25&collection=zoo&cursor=${first.next_cursor}`, /another search/],
      [`/v1/search?q=aardvark&mode=bm25&cursor=${encodeCursor(searchHash({ q: 'aardvark', mode: 'bm25' }), { offset: 1000 })}`, /beyond the 1000/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body.error.code, path).toBe('bad_request');
      expect(body.error.message, path).toMatch(message);
    }
    // The last page before the cap is served and ends the paging.
    const last = (await get(`/v1/search?q=aardvark&mode=bm25&limit=5&cursor=${encodeCursor(searchHash({ q: 'aardvark', mode: 'bm25' }), { offset: 999, first: 5 })}`)).body;
    expect(last.next_cursor).toBeNull();
  });

  it('keeps a temporal fallback on every page', async () => {
    // Nothing was recorded in 1967: the whole archive is searched with the year kept as words.
    const query = `q=${encodeURIComponent('Why did the dockers go on strike in 1967?')}&mode=bm25`;
    const paged = await pages(query, 2);
    expect(paged.length).toBeGreaterThan(1);
    for (const p of paged) expect(p.routing).toMatchObject({ source: 'question', fallback: true });
    const big = (await get(`/v1/search?${query}&limit=100`)).body;
    expect(big.routing).toMatchObject({ fallback: true });
    expect(paged[0].total).toBe(big.total);
    // The page says so once: in the routing line, not again as a warning.
    const html = await (await fetch(`${t.url}/?${query}`)).text();
    expect(html.match(/searching all dates|all dates were searched/gi)).toHaveLength(1);
    // nor offers to search all dates, which it does already
    expect(html).not.toContain('temporal=off');
  });

  it('exports CSV that parses back, one row per passage in the order paging gives', async () => {
    const query = 'q=remote%20control%20design&mode=bm25';
    const paged = (await pages(query, 25)).flatMap((p) => p.results);
    const res = await get(`/v1/search/export?${query}&limit=25&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="search-remote-control-design.csv"');
    const rows: string[][] = parse(res.body as string, { relax_column_count: false });
    expect(rows[0]).toEqual(['rank', 'recording_id', 'recording_title', 'recorded_at', 'collection', 'speakers', 'start', 'end', 'at', 'url', 'link', 'text', 'kind']);
    const data = rows.slice(1);
    expect(data).toHaveLength(paged.length);
    data.forEach((row, i) => {
      const r = paged[i];
      expect(row).toEqual([String(i + 1), r.recording_id, r.recording_title, r.recorded_at ?? '', r.collection ?? '', r.speakers.join(';'), String(r.start), String(r.end), String(r.at), r.url, t.url + r.url, r.text, r.kind]);
    });
    // The title with quotes and commas came back whole.
    expect(data.some((row) => row[2] === 'Remote, "again", with commas')).toBe(true);
  });

  it('exports quotes, commas and newlines in text, and JSON equal to the search results', async () => {
    const csv = (await get('/v1/search/export?q=aardvark&mode=bm25&format=csv')).body as string;
    const rows: string[][] = parse(csv);
    const quoted = rows.find((r) => r[11].includes('"aardvarks, of course"'));
    expect(quoted?.[11]).toMatch(/"aardvarks, of course", and then\s+wrote it down\./);
    const search = (await get('/v1/search?q=aardvark&mode=bm25&limit=100')).body;
    const json = await get('/v1/search/export?q=aardvark&mode=bm25&limit=100&format=json');
    expect(json.headers.get('content-disposition')).toBe('attachment; filename="search-aardvark.json"');
    expect(json.body).toEqual(
      search.results.map((r: any, i: number) => ({
        rank: i + 1, recording_id: r.recording_id, recording_title: r.recording_title, recorded_at: r.recorded_at, collection: r.collection,
        speakers: r.speakers, start: r.start, end: r.end, at: r.at, url: r.url, link: t.url + r.url, text: r.text, kind: r.kind,
      })),
    );
    expect(rows).toHaveLength(search.results.length + 1);
  });

  it('answers a bad export format with a 400 JSON error, and documents the export in OpenAPI', async () => {
    const bad = await get('/v1/search/export?q=aardvark&format=xlsx');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/format/) });
    const doc = (await get('/openapi.json')).body;
    expect(doc.paths['/v1/search/export'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['q', 'format', 'from', 'to']));
    const search = doc.paths['/v1/search'].get;
    expect(search.parameters.map((p: { name: string }) => p.name)).toContain('cursor');
    expect(Object.keys(doc.components.schemas.SearchResponse.properties)).toEqual(expect.arrayContaining(['total', 'total_relation', 'total_passages', 'next_cursor']));
  });

  it('shows the total, previous and next page links and export links on the web results page', async () => {
    const page1 = (await get('/?q=aardvark&mode=bm25&collection=zoo&limit=2')).body as string;
    expect(page1).toMatch(/\d+ matching moments/);
    const next = /<a[^>]*rel="next"[^>]*>/.exec(page1)?.[0].match(/href="([^"]+)"/)?.[1].replace(/&amp;/g, '&');
    expect(next).toBeDefined();
    const nextUrl = new URL(next!, t.url);
    expect(Object.fromEntries(nextUrl.searchParams)).toMatchObject({ q: 'aardvark', mode: 'bm25', collection: 'zoo', limit: '2' });
    expect(page1).not.toMatch(/rel="prev"/);
    const page2 = (await get(nextUrl.pathname + nextUrl.search)).body as string;
    expect(page2).toMatch(/rel="prev"/);
    const api1 = (await get('/v1/search?q=aardvark&mode=bm25&collection=zoo&limit=2')).body;
    const api2 = (await get(`/v1/search?q=aardvark&mode=bm25&collection=zoo&limit=2&cursor=${nextUrl.searchParams.get('cursor')}`)).body;
    for (const r of api2.results) expect(page2).toContain(`data-start="${r.start}"`);
    for (const r of api1.results) expect(page2).not.toContain(`data-start="${r.start}" data-end="${r.end}"`);
    for (const format of ['csv', 'json']) {
      const href = new RegExp(`href="(/v1/search/export\\?[^"]*format=${format}[^"]*)"`).exec(page1)?.[1].replace(/&amp;/g, '&');
      expect(href, format).toBeDefined();
      const u = new URL(href!, t.url);
      expect(Object.fromEntries(u.searchParams)).toMatchObject({ q: 'aardvark', mode: 'bm25', collection: 'zoo' });
      expect(u.searchParams.has('cursor')).toBe(false);
      expect((await fetch(u)).status).toBe(200);
    }
  });

  it('pages on just after the first page without ranking it again, to the same page as a cold request', async () => {
    const search = vi.spyOn(t.services.lexical, 'search');
    try {
      const query = 'q=remote%20buttons%20design&mode=hybrid&limit=4';
      const first = (await get(`/v1/search?${query}`)).body;
      search.mockClear();
      const second = (await get(`/v1/search?${query}&cursor=${first.next_cursor}`)).body;
      // One ranking: the deeper one the page is cut from, not the first page's again.
      expect(search).toHaveBeenCalledTimes(1);
      await t.services.cache.bumpGeneration();
      search.mockClear();
      const cold = (await get(`/v1/search?${query}&cursor=${first.next_cursor}`)).body;
      expect(search).toHaveBeenCalledTimes(2);
      expect(second.results.length).toBeGreaterThan(0);
      expect(second.results).toEqual(cold.results);
    } finally {
      search.mockRestore();
    }
  });

  it('counts a question\'s total and facets once for all its pages and modes, and again after an ingest', async () => {
    const count = vi.spyOn(t.services.lexical, 'count');
    const facets = vi.spyOn(t.services.lexical, 'facets');
    // count() without a question is the archive's size (health, stats): not what a search counts.
    const calls = () => ({ count: count.mock.calls.filter((c) => c.length > 0).length, facets: facets.mock.calls.length });
    try {
      const query = 'q=giraffe%20slept&facets=true';
      const first = (await get(`/v1/search?${query}&mode=bm25&limit=2`)).body;
      expect(first.total).toBeGreaterThan(0);
      const second = (await get(`/v1/search?${query}&mode=bm25&limit=2&cursor=${first.next_cursor}`)).body;
      const hybrid = (await get(`/v1/search?${query}&mode=hybrid&limit=3`)).body;
      for (const page of [second, hybrid]) {
        expect(page.total).toEqual(first.total);
        expect(page.facets).toEqual(first.facets);
      }
      expect(calls()).toEqual({ count: 1, facets: 1 });
      // Another filter is another count.
      await get(`/v1/search?${query}&mode=bm25&collection=zoo`);
      expect(calls()).toEqual({ count: 2, facets: 2 });
      // An ingest changes what the words match: counted again, the new recording in it (last: it changes the archive).
      await ingest('zoo2.vtt', zooTranscript(), { id: 'zoo2', title: 'Zoo, day two', recorded_at: '2001-05-06', collection: 'zoo' });
      const after = (await get(`/v1/search?${query}&mode=bm25&limit=2`)).body;
      expect(calls()).toEqual({ count: 3, facets: 3 });
      expect(after.total).toBeGreaterThan(first.total);
    } finally {
      count.mockRestore();
      facets.mockRestore();
    }
  });
});

describe('CSV fields (RFC 4180)', () => {
  it('quotes fields with commas, quotes, CR or LF, doubles quotes, and ends records in CRLF', () => {
    expect(csvRecord(['a', 1, null, undefined, ''])).toBe('a,1,,,\r\n');
    expect(csvRecord(['x,y', 'say "hi"', 'two\nlines', 'cr\r', ' spaced '])).toBe('"x,y","say ""hi""","two\nlines","cr\r", spaced \r\n');
    expect(parse(csvRecord(['x,y', 'say "hi"', 'two\r\nlines']))).toEqual([['x,y', 'say "hi"', 'two\r\nlines']]);
  });
});

describe('CSV fields opened in a spreadsheet', () => {
  it('keeps text that starts like a formula (=, +, -, @) from being run as one', () => {
    expect(csvRecord(['=HYPERLINK("http://x")', '+1', '-2 degrees', '@SUM(A1)', 'plain'])).toBe(`"'=HYPERLINK(""http://x"")",'+1,'-2 degrees,'@SUM(A1),plain\r\n`);
    // Numbers are numbers, not text: a negative time is written as it is.
    expect(csvRecord([-1.5, 0])).toBe('-1.5,0\r\n');
  });
});
