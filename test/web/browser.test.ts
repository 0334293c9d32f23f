import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTranscript, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';
import { appWithMediaAndChapters, appWithoutLlm, CHROMIUM, CHROMIUM_ARGS, type Closable, JFK_VTT, LIGHTHOUSE_VTT, scriptedLlm } from './fixtures.js';

const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`test/web/browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const SHOTS = process.env.SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : null;

/** The highlighted transcript line: its time span, and whether it is inside the viewport. */
async function currentLine(page: Page) {
  const line = page.locator('.transcript .line[aria-current="true"]');
  await line.waitFor();
  expect(await line.count()).toBe(1);
  return line.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { start: Number((el as HTMLElement).dataset.start), end: Number((el as HTMLElement).dataset.end), inView: r.top >= 0 && r.bottom <= innerHeight, text: el.textContent ?? '' };
  });
}

const tParam = (page: Page) => Number(new URL(page.url()).searchParams.get('t'));

const SUITE = 'web interface in Chromium (real app on loopback, PGlite, USE embeddings, scripted LLM)';
describe.skipIf(!hasChromium)(hasChromium ? SUITE : `${SUITE}: SKIPPED, ${CHROMIUM} is missing`, () => {
  let t: TestServer;
  let llm: Closable & { requests: number };
  let media: Closable;
  let extractive: Closable;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    llm = await scriptedLlm();
    t = await startTestServer({ LLM_BASE_URL: llm.url, LLM_MODEL: 'scripted' });
    const add = async (id: string, content: string, fields: Record<string, string>) => {
      const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm(`${id}.vtt`, content, { id, ...fields }) });
      expect(res.status).toBe(201);
    };
    await add('ES2005a', devTranscript('ES2005a'), { title: 'Remote control kick-off', recorded_at: '1992-01-11', collection: 'qmsum' });
    await add('IS1004a', devTranscript('IS1004a'), { title: 'Design meeting', recorded_at: '2021-06-03', collection: 'other' });
    await add('jfk-inaugural', JFK_VTT, { title: 'Inaugural address (excerpt)', recorded_at: '1961-01-20', collection: 'speeches' });
    media = await appWithMediaAndChapters(t.services, 'jfk-inaugural', 'IS1004a');
    extractive = await appWithoutLlm(t.services);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    ctx.on('request', (r) => requested.push(r.url()));
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await media?.close();
    await extractive?.close();
    await t?.close();
    await llm?.close();
  });
  const shot = async (name: string, p: Page = page, fullPage = false) => {
    if (SHOTS) await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
  };

  it('searches from the form, shows moments, and opens the first hit at its line on the recording page', async () => {
    await page.goto(`${t.url}/`);
    expect(await page.title()).toBe('Speech archive');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
    await page.fill('#q', 'remote control features gimmick whistle');
    await Promise.all([page.waitForURL(/\?q=/), page.keyboard.press('Enter')]);
    const hits = page.locator('ol.hits > li.hit');
    expect(await hits.count()).toBeGreaterThan(0);
    expect(page.url()).not.toContain('from='); // empty filters stay out of the URL
    const first = hits.first();
    expect(await first.locator('mark').count()).toBeGreaterThan(0);
    expect(await first.locator('h3').innerText()).toMatch(/Remote control kick-off|Design meeting/);
    expect(await first.locator('.meta').innerText()).toMatch(/\d{4}.*\d+:\d\d–\d+:\d\d/);
    const hit = { start: Number(await first.getAttribute('data-start')), end: Number(await first.getAttribute('data-end')) };
    await shot('search-results');

    await Promise.all([page.waitForURL(/\/r\/[^?]+\?t=/), first.locator('a.moment').click()]);
    const tt = tParam(page);
    expect(tt).toBeCloseTo(hit.start, 2);
    const line = await currentLine(page);
    expect(line.start).toBeLessThanOrEqual(tt);
    expect(tt).toBeLessThan(line.end);
    expect(line.inView).toBe(true);
    expect(await page.locator('h1').innerText()).toMatch(/Remote control kick-off|Design meeting/);
    expect(await page.locator('.legend li').count()).toBeGreaterThan(1);
    expect(await page.locator('.turns-track .turn').count()).toBeGreaterThan(5);
    expect(await page.locator('.hits-track .hitmark').count()).toBeGreaterThan(0); // opened from search: hits on the bar
    expect(await page.locator('audio').count()).toBe(0); // no media yet: transcript only, no player
    expect(await page.locator('nav.chapters').count()).toBe(0); // no chapters route yet: none shown
    if (SHOTS) {
      await page.goto(`${t.url}/r/ES2005a?t=157&q=${encodeURIComponent('remote control price')}`);
      await shot('recording');
    }
  });

  it('shows how the question was read (dates, speaker), groups by recording, and works without JavaScript', async () => {
    await page.goto(`${t.url}/?q=${encodeURIComponent('In 1992, what was said about the remote control?')}`);
    expect(await page.locator('.chip.routing').innerText()).toContain('Searching 1992-01-01 – 1992-12-31 (from the question)');
    await page.goto(`${t.url}/?q=${encodeURIComponent('what did marketing say about the price?')}`);
    expect(await page.locator('.chip.speaker-filter').innerText()).toContain('Marketing');
    await page.goto(`${t.url}/?q=remote&from=1990-01-01&to=1999-12-31&collection=qmsum&mode=bm25`);
    expect(await page.locator('.chip.routing').innerText()).toContain('Searching 1990-01-01 – 1999-12-31 (from the filters)');
    expect(await page.inputValue('#f-collection')).toBe('qmsum');
    expect(await page.locator('li.hit').count()).toBeGreaterThan(0);
    await page.goto(`${t.url}/?q=remote+control`);
    await Promise.all([page.waitForURL(/group=recording/), page.getByRole('link', { name: 'By recording' }).click()]);
    const groups = page.locator('section.group');
    expect(await groups.count()).toBeGreaterThanOrEqual(2);
    expect(await groups.first().locator('a.moment').count()).toBeGreaterThan(0);

    const noJs = await browser.newContext({ javaScriptEnabled: false });
    noJs.on('request', (r) => requested.push(r.url()));
    const p = await noJs.newPage();
    await p.goto(`${t.url}/`);
    await p.fill('#q', 'remote control price');
    await Promise.all([p.waitForURL(/\?q=/), p.click('button[type=submit]')]);
    expect(await p.locator('li.hit').count()).toBeGreaterThan(0);
    await noJs.close();
  });

  it('plays from t, follows playback, seeks on click, and shows chapters when the recording has media and chapters', async () => {
    await page.goto(`${media.url}/r/jfk-inaugural?t=4`);
    await page.waitForFunction(() => (document.getElementById('player') as HTMLAudioElement | null)?.readyState! >= 1);
    expect(await page.$eval('#player', (a) => (a as HTMLAudioElement).currentTime)).toBeCloseTo(4, 0);
    let line = await currentLine(page);
    expect(line.text).toContain('ask not what your country');
    expect(await page.locator('nav.chapters li').count()).toBe(2);
    expect(await page.locator('.transcript h3.chapter').count()).toBe(2);
    expect(await page.locator('.chapters-track a.chap').count()).toBe(2);
    await shot('recording-audio');

    await page.locator('.transcript .line').nth(2).locator('.said').click(); // a line seeks the player (and plays)
    const at = await page.$eval('#player', (a) => ((a as HTMLAudioElement).pause(), (a as HTMLAudioElement).currentTime));
    expect(at).toBeGreaterThanOrEqual(7.8);
    expect(at).toBeLessThan(8.6);
    line = await currentLine(page);
    expect(line.start).toBe(7.8);
    await page.$eval('#player', (a) => ((a as HTMLAudioElement).currentTime = 1)); // playback moves: the line follows
    await page.waitForFunction(() => document.querySelector('.line[aria-current="true"]')?.getAttribute('data-start') === '0.3');
    await page.locator('nav.chapters a').nth(1).click();
    expect(await page.$eval('#player', (a) => (a as HTMLAudioElement).currentTime)).toBeCloseTo(3.4, 1);
    expect(tParam(page)).toBeCloseTo(3.4, 1);

    await page.goto(`${media.url}/r/IS1004a?t=30`); // media that fails to load: a note, and the transcript still works
    await page.getByText('The audio could not be loaded').waitFor();
    expect(await page.locator('audio').count()).toBe(0);
    expect((await currentLine(page)).start).toBeLessThanOrEqual(30);
  });

  it('asks: streams the answer, replaces it with the checked one, marks unsupported sentences, and [1] opens the cited moment', async () => {
    await page.goto(`${t.url}/ask`);
    await page.fill('#question', 'What did they say about the remote control price?');
    await page.evaluate(() => {
      const w = window as unknown as { streamed: number };
      w.streamed = 0;
      new MutationObserver(() => {
        const live = document.querySelector('.answer-live');
        if (live) w.streamed = Math.max(w.streamed, live.textContent?.length ?? 0);
      }).observe(document.getElementById('answer')!, { subtree: true, childList: true, characterData: true });
    });
    await page.click('#ask-submit');
    await page.locator('.answer-final').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { streamed: number }).streamed)).toBeGreaterThan(10);
    expect(await page.locator('.answer-live').count()).toBe(0);
    expect(await page.locator('.kind').innerText()).toMatch(/Generated answer/);
    const flagged = page.locator('.answer-final .unsupported'); // the API drops them from the answer; the page lists them
    expect(await flagged.count()).toBeGreaterThan(0);
    expect(await flagged.first().innerText()).toContain('zebra');
    expect(await flagged.first().getAttribute('title')).toMatch(/passages do not say this|no passage is cited|not retrieved/);
    expect(await page.locator('.answer-text').innerText()).not.toContain('zebra');
    expect(await page.locator('.citations li').count()).toBeGreaterThan(0);
    await shot('ask');

    const cite = page.locator('.answer-text a.cite[data-n="1"]').first();
    expect(await cite.innerText()).toBe('[1]');
    const c1 = page.locator('#cite-1');
    const cited = { id: await c1.getAttribute('data-recording'), start: Number(await c1.getAttribute('data-start')), end: Number(await c1.getAttribute('data-end')) };
    await Promise.all([page.waitForURL(/\/r\//), cite.click()]);
    expect(new URL(page.url()).pathname).toBe(`/r/${cited.id}`);
    const tt = tParam(page);
    expect(tt).toBeGreaterThanOrEqual(cited.start);
    expect(tt).toBeLessThan(cited.end);
    const line = await currentLine(page);
    expect(line.start).toBeLessThanOrEqual(tt);
    expect(tt).toBeLessThan(line.end);
    expect(line.start).toBeLessThan(cited.end);
    expect(line.end).toBeGreaterThan(cited.start);
    expect(line.inView).toBe(true);
  });

  it('answers without JavaScript (form post) and labels an extractive answer when no model is configured', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    noJs.on('request', (r) => requested.push(r.url()));
    const p = await noJs.newPage();
    await p.goto(`${extractive.url}/ask`);
    await p.fill('#question', 'What did they say about the price of the remote control?');
    await Promise.all([p.waitForURL(/\/ask$/), p.click('#ask-submit')]);
    await p.locator('.answer-final').waitFor();
    expect(await p.locator('.kind').innerText()).toContain('Extractive answer (no language model configured)');
    const cite = p.locator('.answer-text a.cite').first();
    expect(await cite.getAttribute('href')).toMatch(/^\/r\/[^?]+\?t=\d+/);
    expect(await p.locator('.citations li').count()).toBeGreaterThan(0);
    await noJs.close();
  });

  it('uploads a transcript, shows the result, and finds the new recording from the search page', async () => {
    await page.goto(`${t.url}/ingest`);
    await page.setInputFiles('#file', { name: 'lighthouse.vtt', mimeType: 'text/vtt', buffer: Buffer.from(LIGHTHOUSE_VTT) });
    await page.fill('#f-title', 'Lighthouse keeper interview');
    await page.fill('#f-recorded_at', '1975-06-01');
    await page.fill('#f-collection', 'oral-history');
    await page.click('#ingest-file button[type=submit]');
    const ok = page.locator('#ingest-result .card.success');
    await ok.waitFor();
    expect(await ok.innerText()).toContain('Lighthouse keeper interview');
    await shot('ingest');

    await page.goto(`${t.url}/`);
    await page.fill('#q', 'paraffin for the lantern');
    await Promise.all([page.waitForURL(/\?q=/), page.keyboard.press('Enter')]);
    expect(await page.locator('li.hit h3').first().innerText()).toBe('Lighthouse keeper interview');
  });

  it('follows a manifest job with a progress bar, lists failed rows, and retries a failed upload', async () => {
    await page.goto(`${t.url}/ingest`);
    const manifest = '{"id":"TS3010a","title":"Manifest upload","recorded_at":"2017-05-24","transcript":"recordings/TS3010a.vtt"}\n{"id":"bad row","transcript":"recordings/x.vtt"}\n';
    await page.setInputFiles('#manifest', { name: 'manifest.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(manifest) });
    await page.setInputFiles('#files', [{ name: 'TS3010a.vtt', mimeType: 'text/vtt', buffer: Buffer.from(devTranscript('TS3010a')) }]);
    await page.click('#ingest-manifest button[type=submit]');
    const job = page.locator('#ingest-result .job[data-status="succeeded"]');
    await job.waitFor({ timeout: 60_000 });
    expect(await job.locator('progress').getAttribute('value')).toBe('100');
    expect(await job.innerText()).toMatch(/1 ingested/);
    expect(await job.locator('.failures li').first().innerText()).toMatch(/Line 2/);
    expect((await fetch(`${t.url}/v1/recordings/TS3010a`)).status).toBe(200);

    let posts = 0;
    page.on('request', (r) => void (r.method() === 'POST' && r.url().includes('/ingest') && posts++));
    await page.setInputFiles('#file', { name: 'broken.vtt', mimeType: 'text/vtt', buffer: Buffer.from('WEBVTT\n\n00:00:01.000 --> 00:00:xx\n<v A>broken\n') });
    await page.click('#ingest-file button[type=submit]');
    await page.locator('#ingest-result .card.failure .reason').waitFor();
    expect(await page.locator('#ingest-result .reason').innerText()).toMatch(/broken\.vtt:3/);
    await page.click('#ingest-result button.retry');
    await page.waitForFunction(() => document.querySelector('#ingest-result .card.failure') && !document.querySelector('#ingest-result[aria-busy]'));
    expect(posts).toBe(2);
  });

  it('answers unknown recordings with a 404 page, reads on a phone, and never requests anything off loopback', async () => {
    const res = await page.goto(`${t.url}/r/no-such-recording`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Recording not found');
    expect((await fetch(`${t.url}/favicon.ico`)).status).toBe(204);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone.on('request', (r) => requested.push(r.url()));
    const p = await phone.newPage();
    await p.goto(`${t.url}/?q=remote+control+price`);
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true); // no sideways scrolling
    await shot('search-phone', p);
    await phone.close();

    expect(pageErrors).toEqual([]);
    expect(requested.length).toBeGreaterThan(20);
    const off = requested.filter((u) => !/^(data:|blob:)/.test(u) && new URL(u).hostname !== '127.0.0.1');
    expect(off).toEqual([]);
  });
});
