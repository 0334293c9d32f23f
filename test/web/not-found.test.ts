import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('an address no route answers (real app on loopback, PGlite)', () => {
  let t: TestServer;
  const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none' });
  }, 180_000);
  afterAll(async () => t?.close());

  it('is a page to a browser, with the way back to search', async () => {
    const res = await fetch(`${t.url}/search?q=strike`, { headers: browser });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<h1>Page not found</h1>');
    expect(html).toContain('/search');
    expect(html).toContain('<a href="/">Search the archive</a>');
  });

  it('is JSON to an API client, and under /v1 to a browser too', async () => {
    for (const [path, headers] of [['/search', {}], ['/v1/no-such-thing', browser]] as const) {
      const res = await fetch(`${t.url}${path}`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: `no route GET ${path}` } });
    }
  });
});
