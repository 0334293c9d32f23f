import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from './fixtures.js';
import { HashEmbedder } from '../helpers/hash-embedder.js';

const VTT = `WEBVTT

00:00:00.000 --> 00:00:06.000
<v Chair>The council meets to discuss the lighthouse.

00:00:06.500 --> 00:00:12.000
<v Clerk>The keeper asks for a new lantern.

00:00:12.500 --> 00:00:18.000
<v Chair>Agreed, the lantern will be ordered.
`;

const hasChromium = fs.existsSync(CHROMIUM);
describe.skipIf(!hasChromium)('corrections on the web: plain forms, archivists only (Chromium, loopback, PGlite)', () => {
  let t: TestServer;
  let browser: Browser;
  let archivist: string;
  let reader: string;

  beforeAll(async () => {
    t = await startTestServer({ SAMPLE_ARCHIVE: 'off', AUTH_PUBLIC_WRITE: 'off' }, { embedder: new HashEmbedder() });
    archivist = (await t.services.keys.create('Ada', 'archivist')).key;
    reader = (await t.services.keys.create('Rita', 'reader')).key;
    const res = await fetch(`${t.url}/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${archivist}` },
      body: transcriptForm('lh.vtt', VTT, { id: 'lighthouse', title: 'Lighthouse meting', recorded_at: '1987-03-12', collection: 'council' }),
    });
    expect(res.status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const signedIn = async (key: string) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${t.url}/signin?next=/r/lighthouse`);
    await page.fill('#signin-key', key);
    await Promise.all([page.waitForURL(/\/r\/lighthouse$/), page.click('form[action="/signin"] button[type="submit"]')]);
    return { ctx, page };
  };

  it('an archivist corrects the title, date and a line from the recording page; searches and the history follow', async () => {
    const { ctx, page } = await signedIn(archivist);
    await page.click('a[href="/r/lighthouse/edit"]');
    await page.waitForURL(/\/r\/lighthouse\/edit$/);
    await page.fill('#e-title', 'Lighthouse meeting');
    await page.fill('#e-recorded_at', '2003-05-06');
    await page.fill('#e-collection', '');
    await Promise.all([page.waitForURL(/saved=recording/), page.click('form[action="/r/lighthouse/edit"] button[type="submit"]')]);
    expect(await page.locator('.notice.ok').textContent()).toContain('Saved');

    await page.fill('#l1-text', 'The keeper asks for a new lamp.');
    await page.fill('#l1-speaker', 'Keeper');
    await Promise.all([page.waitForURL(/saved=line/), page.click('#s-1 button[type="submit"]')]);
    expect(await page.inputValue('#l1-text')).toBe('The keeper asks for a new lamp.');
    const history = await page.locator('#history li').allTextContents();
    expect(history).toHaveLength(2);
    expect(history[0]).toMatch(/Ada.*line 2.*speaker\s*Clerk\s*→\s*Keeper.*text/s);
    expect(history[1]).toMatch(/recording.*title\s*Lighthouse meting\s*→\s*Lighthouse meeting/s);

    const api = (p: string) => fetch(t.url + p, { headers: { authorization: `Bearer ${reader}` } }).then((r) => r.json());
    expect(await api('/v1/recordings/lighthouse')).toMatchObject({ title: 'Lighthouse meeting', recordedAt: '2003-05-06', collection: null });
    const lamp = await api('/v1/search?q=lamp&mode=bm25&from=2003-01-01&to=2003-12-31');
    expect(lamp.results.map((r: { recording_id: string }) => r.recording_id)).toEqual(['lighthouse']);
    const lantern = await api('/v1/search?q=lantern&mode=bm25');
    expect(lantern.results.every((r: { text: string }) => !r.text.includes('new lantern'))).toBe(true);

    // The recording page shows the latest corrections; Revert on the edit page undoes the line's.
    await page.goto(`${t.url}/r/lighthouse`);
    expect(await page.locator('.corrections li').count()).toBe(2);
    await page.goto(`${t.url}/r/lighthouse/edit`);
    await Promise.all([page.waitForURL(/saved=recording/), page.click('#history li:first-child button')]);
    expect(await page.inputValue('#l1-text')).toBe('The keeper asks for a new lantern.');
    expect(await page.inputValue('#l1-speaker')).toBe('Clerk');
    expect(await page.locator('#history li').first().textContent()).toMatch(/reverts #/);
    await ctx.close();
  });

  it('a refused change is shown beside its form and changes nothing', async () => {
    const { ctx, page } = await signedIn(archivist);
    await page.goto(`${t.url}/r/lighthouse/edit`);
    await page.fill('#l1-start', '13');
    await page.fill('#l1-end', '14');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/r/lighthouse/lines/1')), page.click('#s-1 button[type="submit"]')]);
    expect(await page.locator('#s-1 .notice.error').textContent()).toMatch(/start: must not be after the next line's start/);
    expect(await page.locator('#history li').count()).toBe(3);
    await ctx.close();
  });

  it('a reader sees no correction forms, and the edit page refuses', async () => {
    const { ctx, page } = await signedIn(reader);
    expect(await page.locator('.corrections').count()).toBe(0);
    const res = await page.goto(`${t.url}/r/lighthouse/edit`);
    expect(res?.status()).toBe(403);
    const post = await page.request.post(`${t.url}/r/lighthouse/edit`, { form: { title: 'Hijacked' }, headers: { origin: t.url } });
    expect(post.status()).toBe(403);
    expect((await t.services.archive.get('lighthouse'))!.title).toBe('Lighthouse meeting');
    await ctx.close();
  });
});
