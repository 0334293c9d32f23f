import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingestDev, pageHtml, startTestServer, type TestServer } from '../helpers/server.js';

describe('the search form\'s lists (real app on loopback, PGlite)', () => {
  let t: TestServer;
  const page = (path: string) => pageHtml(t, path);
  /** The recording ids the form's recording field offers. */
  const offered = (html: string) => [...(html.match(/<datalist id="recordings">(.*?)<\/datalist>/s)?.[1] ?? '').matchAll(/value="([^"]+)"/g)].map((m) => m[1]).sort();

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none' });
    await ingestDev(t, [
      ['ES2005a', 'Remote control kick-off', '1992-01-11', 'qmsum'],
      ['IS1004a', 'Design meeting', '2021-06-03', 'qmsum'],
    ]);
  }, 180_000);
  afterAll(async () => t?.close());

  it('reads the recordings, collections and speakers once for every page until the next ingest', async () => {
    const recordings = vi.spyOn(t.services.archive, 'list');
    const speakers = vi.spyOn(t.services.speakers, 'list');
    try {
      expect(offered(await page('/'))).toEqual(['ES2005a', 'IS1004a']);
      const results = await page('/?q=remote&mode=bm25');
      expect(offered(results)).toEqual(['ES2005a', 'IS1004a']);
      expect(results).toContain('<option value="qmsum"');
      await page('/?q=design&mode=bm25');
      expect([recordings.mock.calls.length, speakers.mock.calls.length]).toEqual([1, 1]);
      // A new recording is offered on the next page.
      await ingestDev(t, [['Bed002', 'Research group meeting', '2001-03-05', 'icsi']]);
      const after = await page('/?q=remote&mode=bm25');
      expect(offered(after)).toEqual(['Bed002', 'ES2005a', 'IS1004a']);
      expect(after).toContain('<option value="icsi"');
      expect([recordings.mock.calls.length, speakers.mock.calls.length]).toEqual([2, 2]);
    } finally {
      recordings.mockRestore();
      speakers.mockRestore();
    }
  });

  it('shows a year or month given as a date filter as the days it stands for, so that the form sends it again', async () => {
    const html = await page('/?q=remote&mode=bm25&from=1992&to=1992-02');
    expect(html).toMatch(/<input[^>]*name="from"[^>]*value="1992-01-01"/);
    expect(html).toMatch(/<input[^>]*name="to"[^>]*value="1992-02-29"/);
    const ask = await page('/ask?from=2021');
    expect(ask).toMatch(/<input[^>]*name="from"[^>]*value="2021-01-01"/);
  });

  it('answers an address whose query is not percent-encoded UTF-8 with a 400 page naming the parameter', async () => {
    for (const [path, name] of [['/?q=%ED%A0%80', 'q'], ['/?q=caf%C3&mode=bm25', 'q'], ['/r/ES2005a?q=Chair%zz', 'q'], ['/ask?question=%FF', 'question']]) {
      const res = await fetch(t.url + path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text(), path).toContain(`${name}: malformed percent-encoding`);
    }
    // Well-formed addresses are unchanged.
    expect(await page('/?q=caf%C3%A9&mode=bm25')).toContain('café');
  });

  it('offers to ask the search\'s question, with its filters, on the Ask page (the form filled in; its script asks)', async () => {
    const html = await page('/?q=remote+control+price&mode=bm25&collection=qmsum&from=1992');
    const href = html.match(/<a[^>]*class="ask-this"[^>]*href="([^"]+)"/)?.[1] ?? html.match(/<a[^>]*href="([^"]+)"[^>]*class="ask-this"/)?.[1];
    expect(href).toBeDefined();
    const url = new URL(href!.replaceAll('&amp;', '&'), t.url);
    expect([url.pathname, url.searchParams.get('question'), url.searchParams.get('collection'), url.searchParams.get('from')]).toEqual(['/ask', 'remote control price', 'qmsum', '1992']);
    const ask = await page(url.pathname + url.search);
    expect(ask).toMatch(/<textarea[^>]*name="question"[^>]*>remote control price<\/textarea>/);
    expect(ask).toMatch(/<input[^>]*name="collection"[^>]*value="qmsum"/);
    expect(ask).not.toContain('class="answer-final"');
    // The search's own parameter name is read too: /ask?q=… as a user may type it.
    expect(await page('/ask?q=remote+control+price')).toMatch(/<textarea[^>]*name="question"[^>]*>remote control price<\/textarea>/);
    // No question, no offer.
    expect(await page('/?collection=qmsum')).not.toContain('class="ask-this"');
  });
});

