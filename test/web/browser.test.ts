import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTranscript } from '../helpers/server.js';
import { type Archive, AUDIO_MP3, CHROMIUM, CHROMIUM_ARGS, JFK_TITLE, LIGHTHOUSE_VTT, startArchive, waitForJob, wavWithoutSamples } from './fixtures.js';

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

/** The player once it has loaded the media and settled on its start time (the page seeks to ?t= on load). */
async function playerTime(page: Page, t: number): Promise<number> {
  await page.waitForFunction((want) => {
    const a = document.getElementById('player') as HTMLAudioElement | null;
    return !!a && a.readyState >= 1 && !a.seeking && Math.abs(a.currentTime - want) < 0.5;
  }, t);
  return page.$eval('#player', (a) => (a as HTMLAudioElement).currentTime);
}

const tParam = (page: Page) => Number(new URL(page.url()).searchParams.get('t'));

/** No sideways scrolling: the document is no wider than the viewport. */
const fitsWidth = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= innerWidth);

const SUITE = 'web interface in Chromium (real app on loopback, PGlite, USE embeddings, pocketsphinx, API keys, scripted LLM)';
describe.skipIf(!hasChromium)(hasChromium ? SUITE : `${SUITE}: SKIPPED, ${CHROMIUM} is missing`, () => {
  let a: Archive;
  let url: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const requested: { url: string; method: string; auth: string | null }[] = [];
  const pageErrors: string[] = [];
  /** Every page of the suite reports its requests and script errors here. */
  const track = (p: Page) => {
    p.on('request', (r) => requested.push({ url: r.url(), method: r.method(), auth: r.headers().authorization ?? null }));
    p.on('pageerror', (e) => pageErrors.push(e.message));
    return p;
  };
  const newPage = async (c: BrowserContext) => track(await c.newPage());

  beforeAll(async () => {
    a = await startArchive();
    url = a.t.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await newPage(ctx);
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await a?.close();
  });
  const shot = async (name: string, p: Page = page, fullPage = false) => {
    if (SHOTS) await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
  };

  it('searches from the form and opens a hit of an uploaded recording: the player (real media, Range) starts inside the hit', async () => {
    const jfk = await a.jfk;
    const media: { status: number; range: string | null }[] = [];
    page.on('response', (r) => {
      if (r.url().includes(`/v1/recordings/${jfk.id}/media`)) media.push({ status: r.status(), range: r.request().headers().range ?? null });
    });
    await page.goto(`${url}/`);
    expect(await page.title()).toBe('Speech archive');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
    await page.fill('#q', 'your country');
    await Promise.all([page.waitForURL(/\?q=/), page.keyboard.press('Enter')]);
    expect(page.url()).not.toContain('from='); // empty filters stay out of the URL
    const hit = page.locator('ol.hits > li.hit').filter({ has: page.locator('h3', { hasText: JFK_TITLE }) }).first();
    // The hit shows where its link opens (the moment), inside the passage it shows.
    expect(await hit.locator('.meta').innerText()).toMatch(/1961.*\d+:\d\d$/);
    const span = { start: Number(await hit.getAttribute('data-start')), end: Number(await hit.getAttribute('data-end')), at: Number(await hit.getAttribute('data-at')) };
    expect(span.end).toBeGreaterThan(span.start);
    expect(span.at).toBeGreaterThanOrEqual(span.start);
    expect(span.at).toBeLessThan(span.end);
    await shot('search-results');

    await Promise.all([page.waitForURL(new RegExp(`/r/${jfk.id}\\?t=`)), hit.locator('a.moment').click()]);
    const at = await playerTime(page, tParam(page));
    expect(Math.abs(at - span.at)).toBeLessThan(0.5);
    const line = await currentLine(page);
    expect(line.start).toBeLessThanOrEqual(span.at);
    expect(line.end).toBeGreaterThan(span.at);
    expect(await page.$eval('#player', (el) => (el as HTMLAudioElement).getAttribute('src'))).toMatch(new RegExp(`^/v1/recordings/${jfk.id}/media#t=`));
    // The chapters come from the API: this 11 s recording has one, which the page does not repeat as a list.
    const chapters = (await (await fetch(`${url}/v1/recordings/${jfk.id}/chapters`)).json()).chapters;
    expect(chapters).toHaveLength(1);
    expect(await page.locator('nav.chapters').count()).toBe(0);

    // It really plays: a click on a line seeks there and plays, and the time moves on.
    const third = page.locator('.transcript .line').last();
    const from = Number(await third.getAttribute('data-start'));
    await third.locator('.said').click();
    await page.waitForFunction((f) => (document.getElementById('player') as HTMLAudioElement).currentTime > f + 0.3, from);
    await page.$eval('#player', (el) => (el as HTMLAudioElement).pause());
    expect((await currentLine(page)).start).toBe(from);
    expect(media.some((m) => m.status === 206 && m.range?.startsWith('bytes='))).toBe(true); // served with HTTP Range
    await page.$eval('#player', (el) => ((el as HTMLAudioElement).currentTime = 4));
    await page.waitForTimeout(300);
    await shot('recording-audio');
  }, 180000);

  // Retried: on a loaded machine the chapter click's URL update was once not seen within 60 s (1 run in ~8,
  // cause not found); the test starts from its own page load, so a retry checks the same thing afresh.
  it('shows a recording without media at the moment, with its real chapters (keywords, current chapter) and the timeline', { retry: 2, timeout: 180_000 }, async () => {
    const api = (await (await fetch(`${url}/v1/recordings/ES2002a/chapters`)).json()).chapters as { start: number; end: number; title: string; keywords: string[] }[];
    expect(api.length).toBeGreaterThan(1);
    const inSecond = (api[1].start + api[1].end) / 2;
    await page.goto(`${url}/r/ES2002a?t=${inSecond}`);
    expect(await page.locator('audio').count()).toBe(0); // no media: no player, the transcript on its own
    expect(await page.locator('.no-media').innerText()).toContain('No audio');
    const line = await currentLine(page);
    expect(line.start).toBeLessThanOrEqual(inSecond + 30);
    expect(line.inView).toBe(true);

    const items = page.locator('nav.chapters > ol > li');
    expect(await items.count()).toBe(api.length);
    expect(await page.locator('.chapters-track a.chap').count()).toBe(api.length);
    expect(await page.locator('.transcript h3.chapter').count()).toBe(api.length);
    for (const [i, ch] of api.entries()) {
      expect(await items.nth(i).locator('a[data-seek]').innerText()).toContain(ch.title);
      expect(await items.nth(i).locator('.keywords a').allInnerTexts()).toEqual(ch.keywords);
    }
    const current = page.locator('nav.chapters a[aria-current="true"]');
    expect(await current.count()).toBe(1);
    expect(await current.innerText()).toContain(api[1].title);
    // The current chapter looks different from the others (app.css styles aria-current).
    const bg = (sel: string) => page.locator(sel).evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg('nav.chapters a[aria-current="true"]')).not.toBe(await bg('nav.chapters li:first-child a[data-seek]'));
    expect(await page.locator('.turns-track .turn').count()).toBeGreaterThan(5);
    if (SHOTS) {
      await page.evaluate(() => scrollTo(0, 0)); // the head of the page: facts, timeline, chapters and keywords
      await shot('recording');
    }

    // A chapter link moves the moment: the URL, the highlighted line and the current chapter follow.
    await items.nth(api.length - 1).locator('a[data-seek]').click();
    // The page keeps t in the URL to a tenth of a second (recording.js remember()).
    await page.waitForFunction((s) => Math.abs(Number(new URL(location.href).searchParams.get('t')) - s) <= 0.051, api.at(-1)!.start, { timeout: 60_000 });
    expect(await page.locator('nav.chapters a[aria-current="true"]').innerText()).toContain(api.at(-1)!.title);
    const moved = await currentLine(page);
    expect(moved.end).toBeGreaterThan(api.at(-1)!.start);
    // A keyword opens the chapter with that keyword's hits on the timeline.
    const kw = items.first().locator('.keywords a').first();
    // Its link opens the page with the keyword's hits (followed by URL: clicking it right after the smooth
    // scroll of the seek above sometimes never became actionable on a loaded machine).
    const href = await kw.getAttribute('href');
    expect(href).toMatch(/[?&]q=/);
    await page.goto(new URL(href!, url).toString());
    expect(await page.locator('.hits-track .hitmark').count()).toBeGreaterThan(0);
  });

  it('shows how the question was read (dates, speaker), groups by recording, and works without JavaScript', async () => {
    await page.goto(`${url}/?q=${encodeURIComponent('In 1992, what was said about the remote control?')}`);
    expect(await page.locator('.chip.routing').innerText()).toContain('Searching 1992-01-01 – 1992-12-31 (from the question)');
    await page.goto(`${url}/?q=${encodeURIComponent('what did marketing say about the price?')}`);
    expect(await page.locator('.chip.speaker-filter').innerText()).toContain('Marketing');
    await page.goto(`${url}/?q=remote&from=1990-01-01&to=1999-12-31&collection=qmsum&mode=bm25`);
    expect(await page.locator('.chip.routing').innerText()).toContain('Searching 1990-01-01 – 1999-12-31 (from the filters)');
    expect(await page.inputValue('#f-collection')).toBe('qmsum');
    expect(await page.locator('li.hit').count()).toBeGreaterThan(0);
    await page.goto(`${url}/?q=remote+control`);
    await Promise.all([page.waitForURL(/group=recording/), page.getByRole('link', { name: 'By recording' }).click()]);
    const groups = page.locator('section.group');
    expect(await groups.count()).toBeGreaterThanOrEqual(2);
    expect(await groups.first().locator('a.moment').count()).toBeGreaterThan(0);

    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const p = await newPage(noJs);
    await p.goto(`${url}/`);
    await p.fill('#q', 'remote control price');
    await Promise.all([p.waitForURL(/\?q=/), p.click('button[type=submit]')]);
    expect(await p.locator('li.hit').count()).toBeGreaterThan(0);
    await noJs.close();
  });

  it('asks: streams the answer, replaces it with the checked one, marks unsupported sentences, and [1] opens the cited moment', async () => {
    await page.goto(`${url}/ask`);
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
    expect(line.start).toBeLessThan(cited.end);
    expect(line.end).toBeGreaterThan(cited.start);
    expect(line.inView).toBe(true);
  });

  /** Asks the jfk recording what you can do for your country, through the page's form and its filters; the answer shown. */
  const askAboutJfk = async () => {
    const jfk = await a.jfk;
    await page.goto(`${url}/ask`);
    await page.fill('#question', 'What can you do for your country?');
    await page.locator('details.filters summary').click();
    await page.fill('#a-recording', jfk.id);
    await page.click('#ask-submit');
    await page.locator('.answer-final').waitFor({ timeout: 30_000 });
    return jfk;
  };

  it('asks about a recording with audio: the citation opens the player inside the cited passage, on the highlighted line', async () => {
    const jfk = await askAboutJfk();
    const c1 = page.locator('#cite-1');
    expect(await c1.getAttribute('data-recording')).toBe(jfk.id);
    const cited = { start: Number(await c1.getAttribute('data-start')), end: Number(await c1.getAttribute('data-end')) };
    await Promise.all([page.waitForURL(new RegExp(`/r/${jfk.id}\\?`)), page.locator('.answer-text a.cite[data-n="1"]').first().click()]);
    const at = await playerTime(page, tParam(page));
    expect(at).toBeGreaterThanOrEqual(cited.start);
    expect(at).toBeLessThan(cited.end);
    const line = await currentLine(page);
    expect(line.start).toBeLessThanOrEqual(at);
    expect(at).toBeLessThan(line.end);
    expect(await page.locator('.transcript .line[aria-current="true"]').evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
  }, 120000);

  it('a link to an answer, the address the page shows once it has asked, asks again when opened', async () => {
    const jfk = await askAboutJfk();
    const link = new URL(page.url());
    expect(Object.fromEntries(link.searchParams)).toEqual({ question: 'What can you do for your country?', recording: jfk.id });
    const opened = await newPage(page.context());
    await opened.goto(link.href);
    await opened.locator('.answer-final').waitFor({ timeout: 30_000 });
    expect(await opened.inputValue('#question')).toBe('What can you do for your country?');
    expect(await opened.locator('#cite-1').getAttribute('data-recording')).toBe(jfk.id);
    // So does one written with the search's q=, as the search page's address reads.
    await opened.goto(`${new URL(link.href).origin}/ask?q=${encodeURIComponent('What can you do for your country?')}&recording=${jfk.id}`);
    await opened.locator('.answer-final').waitFor({ timeout: 30_000 });
    expect(await opened.locator('#cite-1').getAttribute('data-recording')).toBe(jfk.id);
    await opened.close();
  }, 120000);

  it('answers without JavaScript (form post) and labels an extractive answer when no model is configured', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const p = await newPage(noJs);
    await p.goto(`${a.extractive.url}/ask`);
    await p.fill('#question', 'What did they say about the price of the remote control?');
    await Promise.all([p.waitForURL(/\/ask$/), p.click('#ask-submit')]);
    await p.locator('.answer-final').waitFor();
    expect(await p.locator('.kind').innerText()).toContain('Extractive answer (no language model configured)');
    const cite = p.locator('.answer-text a.cite').first();
    expect(await cite.getAttribute('href')).toMatch(/^\/r\/[^?]+\?t=\d+/);
    expect(await p.locator('.citations li').count()).toBeGreaterThan(0);
    await noJs.close();
  });

  it('ingest needs a key: a 401 and a 403 are explained, the key typed in the field is kept and sent as a header, and Retry then works', async () => {
    await page.goto(`${url}/ingest`);
    expect(await page.inputValue('#api-key')).toBe('');
    await page.setInputFiles('#file', { name: 'lighthouse.vtt', mimeType: 'text/vtt', buffer: Buffer.from(LIGHTHOUSE_VTT) });
    await page.fill('#f-title', 'Lighthouse keeper interview');
    await page.fill('#f-recorded_at', '1975-06-01');
    await page.fill('#f-collection', 'oral-history');
    await page.click('#ingest-file button[type=submit]');
    const denied = page.locator('#ingest-result .card.failure.auth');
    await denied.waitFor();
    expect(await denied.getAttribute('data-http-status')).toBe('401');
    expect(await denied.locator('h2').innerText()).toBe('An API key is needed');
    expect(await denied.innerText()).toContain('npm run cli -- keys create --name <your name> --role archivist');

    await page.fill('#api-key', a.keys.reader);
    await page.click('#ingest-result button.retry');
    await page.locator('#ingest-result .card.failure.auth[data-http-status="403"]').waitFor();
    expect(await page.locator('#ingest-result h2').innerText()).toBe('This API key may not add recordings');

    await page.fill('#api-key', a.keys.archivist);
    await page.click('#ingest-result button.retry');
    const ok = page.locator('#ingest-result .card.success');
    await ok.waitFor();
    expect(await ok.innerText()).toContain('Lighthouse keeper interview');
    const posts = requested.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/ingest');
    expect(posts.map((r) => r.auth)).toEqual([null, `Bearer ${a.keys.reader}`, `Bearer ${a.keys.archivist}`]);

    await page.reload(); // kept in this browser
    expect(await page.inputValue('#api-key')).toBe(a.keys.archivist);
    expect(await page.evaluate(() => localStorage.getItem('speech-archive.api-key'))).toBe(a.keys.archivist);

    await page.goto(`${url}/`);
    await page.fill('#q', 'paraffin for the lantern');
    await Promise.all([page.waitForURL(/\?q=/), page.keyboard.press('Enter')]);
    expect(await page.locator('li.hit h3').first().innerText()).toBe('Lighthouse keeper interview');
  });

  it('uploads audio with the key: the job shows its progress live (SSE), completes, and the recording is searchable', async () => {
    await page.goto(`${url}/ingest`);
    expect(await page.inputValue('#api-key')).toBe(a.keys.archivist); // from the previous test, in local storage
    const events: { url: string; type: string | undefined }[] = [];
    page.on('response', (r) => {
      if (/\/v1\/jobs\/[^/]+\/events$/.test(r.url())) events.push({ url: r.url(), type: r.headers()['content-type'] });
    });
    await page.evaluate(() => {
      const w = window as unknown as { seen: { status: string; pct: string; running: string[] }[] };
      w.seen = [];
      new MutationObserver(() => {
        const job = document.querySelector<HTMLElement>('#ingest-result .job');
        if (!job) return;
        const running = [...job.querySelectorAll<HTMLElement>('.stages li[data-status="running"]')].map((li) => li.innerText);
        w.seen.push({ status: job.dataset.status ?? '', pct: job.querySelector('.job-pct')?.textContent ?? '', running });
      }).observe(document.getElementById('ingest-result')!, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.setInputFiles('#audio', AUDIO_MP3);
    await page.fill('#m-title', 'Ask not (MP3 upload)');
    await page.fill('#m-recorded_at', '1961-01-20');
    await page.fill('#m-collection', 'uploads');
    await page.click('#ingest-audio button[type=submit]');
    const job = page.locator('#ingest-result .job[data-kind="ingest-media"]');
    await job.waitFor();
    await page.locator('#ingest-result .stages li[data-status="running"]').first().waitFor({ timeout: 60_000 });
    if (SHOTS) {
      // Caught mid-way: decoding done, speech recognition running.
      await page.locator('#ingest-result .stages li[data-stage="decode"][data-status="done"]').waitFor({ timeout: 60_000 }).catch(() => {});
      await shot('ingest', page, true);
    }
    await page.locator('#ingest-result .job[data-status="succeeded"]').waitFor({ timeout: 180_000 });

    const upload = requested.find((r) => r.method === 'POST' && new URL(r.url).pathname === '/v1/recordings');
    expect(upload?.auth).toBe(`Bearer ${a.keys.archivist}`);
    expect(events.length).toBeGreaterThan(0);
    expect(events[0].type).toMatch(/^text\/event-stream/);
    const seen = await page.evaluate(() => (window as unknown as { seen: { status: string; pct: string; running: string[] }[] }).seen);
    const live = seen.filter((s) => s.status === 'running' || s.status === 'queued');
    expect(live.some((s) => s.running.length > 0)).toBe(true); // stages were shown running…
    const pcts = new Set(live.map((s) => s.pct));
    expect(pcts.size).toBeGreaterThan(1); // …and the bar moved while the job ran
    expect(await page.locator('#ingest-result progress').first().getAttribute('value')).toBe('100');
    const done = page.locator('#ingest-result .job-done');
    expect(await done.innerText()).toMatch(/Transcribed: \d+ searchable passage/);
    const recording = decodeURIComponent(new URL(await done.locator('a', { hasText: 'Open the recording' }).getAttribute('href') ?? '', url).pathname.slice(3));

    // Searchable from the search page: a word of its transcript finds it.
    const segments = (await (await fetch(`${url}/v1/recordings/${recording}/transcript?format=json`)).json()).segments as { text: string }[];
    const word = segments.flatMap((s) => s.text.split(/\s+/)).sort((x, y) => y.length - x.length)[0];
    await page.goto(`${url}/`);
    await page.fill('#q', word);
    await Promise.all([page.waitForURL(/\?q=/), page.keyboard.press('Enter')]);
    expect(await page.locator('li.hit h3').allInnerTexts()).toContain('Ask not (MP3 upload)');
  }, 240000);

  it('a failing upload shows its reason and is sent again by Retry; a failed job is run again from the page', async () => {
    await page.goto(`${url}/ingest`);
    const posts = () => requested.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/v1/recordings').length;
    const before = posts();
    await page.setInputFiles('#audio', { name: 'minutes.wav', mimeType: 'audio/wav', buffer: Buffer.from('Minutes of the meeting of 12 March.\nPresent: the chair.\n'.repeat(20)) });
    await page.click('#ingest-audio button[type=submit]');
    const reason = page.locator('#ingest-result .card.failure .reason');
    await reason.waitFor();
    expect(await reason.innerText()).toMatch(/minutes\.wav: .*not an audio or video file/);
    await page.click('#ingest-result button.retry');
    await page.waitForFunction(() => document.querySelector('#ingest-result .card.failure') && !document.querySelector('#ingest-result[aria-busy]'));
    expect(posts()).toBe(before + 2);
    expect(await reason.innerText()).toMatch(/minutes\.wav/);

    // A file ffprobe accepts but that holds no samples: the job fails in its decode stage.
    await page.setInputFiles('#audio', { name: 'silence-header.wav', mimeType: 'audio/wav', buffer: wavWithoutSamples() });
    await page.click('#ingest-audio button[type=submit]');
    const failed = page.locator('#ingest-result .job[data-status="failed"]');
    await failed.waitFor({ timeout: 60_000 });
    expect(await failed.locator('.reason').innerText()).toMatch(/decode: .*no audio samples/);
    const jobId = await failed.getAttribute('data-job-id');
    const retry = failed.locator('button.retry');
    expect(await retry.getAttribute('data-job-id')).toBe(jobId);
    const retried = page.waitForResponse((r) => r.url().endsWith(`/v1/jobs/${jobId}/retry`) && r.request().method() === 'POST');
    await retry.click();
    expect((await retried).status()).toBe(202);
    expect((await retried).request().headers().authorization).toBe(`Bearer ${a.keys.archivist}`);
    // Run again, and failed again for the same reason: the panel says so, and it was tried twice. (Waiting for
    // a failed job's reason alone could match the panel from before the retry, still on the page.)
    const again = page.locator('#ingest-result .job[data-status="failed"]', { hasText: /Tried 2 times/ });
    await again.waitFor({ timeout: 60_000 });
    expect(await again.locator('.reason').innerText()).toMatch(/decode: .*no audio samples/);
    expect((await waitForJob(url, jobId!, a.keys.archivist)).attempts).toBe(2);
  }, 120000);

  it('follows a manifest job with a progress bar and lists failed rows; a transcript that fails is sent again by Retry', async () => {
    await page.goto(`${url}/ingest`);
    const manifest = '{"id":"TS3010a","title":"Manifest upload","recorded_at":"2017-05-24","transcript":"recordings/TS3010a.vtt"}\n{"id":"bad row","transcript":"recordings/x.vtt"}\n';
    await page.setInputFiles('#manifest', { name: 'manifest.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(manifest) });
    await page.setInputFiles('#files', [{ name: 'TS3010a.vtt', mimeType: 'text/vtt', buffer: Buffer.from(devTranscript('TS3010a')) }]);
    await page.click('#ingest-manifest button[type=submit]');
    const job = page.locator('#ingest-result .job[data-status="succeeded"]');
    await job.waitFor({ timeout: 60_000 });
    expect(await job.locator('progress').getAttribute('value')).toBe('100');
    expect(await job.innerText()).toMatch(/1 ingested/);
    expect(await job.locator('.failures li').first().innerText()).toMatch(/Line 2/);
    expect((await fetch(`${url}/v1/recordings/TS3010a`)).status).toBe(200);

    const posts = () => requested.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/ingest').length;
    const before = posts();
    await page.setInputFiles('#file', { name: 'broken.vtt', mimeType: 'text/vtt', buffer: Buffer.from('WEBVTT\n\n00:00:01.000 --> 00:00:xx\n<v A>broken\n') });
    await page.click('#ingest-file button[type=submit]');
    await page.locator('#ingest-result .card.failure .reason').waitFor();
    expect(await page.locator('#ingest-result .reason').innerText()).toMatch(/broken\.vtt:3/);
    await page.click('#ingest-result button.retry');
    await page.waitForFunction(() => document.querySelector('#ingest-result .card.failure') && !document.querySelector('#ingest-result[aria-busy]'));
    expect(posts()).toBe(before + 2);
  });

  it('takes uploads without a key when the server allows public writes (AUTH_PUBLIC_WRITE=on)', async () => {
    const p = await newPage(ctx);
    await p.goto(`${a.open.url}/ingest`); // another origin: its own, empty, key storage
    expect(await p.inputValue('#api-key')).toBe('');
    await p.setInputFiles('#file', { name: 'harbour.vtt', mimeType: 'text/vtt', buffer: Buffer.from(LIGHTHOUSE_VTT.replace(/lighthouse/g, 'harbour')) });
    await p.fill('#f-title', 'Harbour master interview');
    await p.click('#ingest-file button[type=submit]');
    await p.locator('#ingest-result .card.success').waitFor();
    const post = requested.filter((r) => r.method === 'POST' && r.url.startsWith(a.open.url)).at(-1);
    expect(post?.auth).toBeNull();
    await p.close();
  });

  it('reaches the main controls of every page by Tab, with a visible focus ring', async () => {
    const jfk = await a.jfk;
    const tabTo = async (p: Page, targets: string[], max = 60) => {
      const missing = new Set(targets);
      for (let i = 0; i < max && missing.size > 0; i++) {
        await p.keyboard.press('Tab');
        const hit = await p.evaluate((sels) => {
          const el = document.activeElement as HTMLElement | null;
          if (!el) return null;
          const sel = sels.find((s) => el.matches(s));
          if (!sel) return null;
          const st = getComputedStyle(el);
          return { sel, outline: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2 };
        }, [...missing]);
        if (hit) {
          expect(hit.outline, `focus ring on ${hit.sel}`).toBe(true);
          missing.delete(hit.sel);
        }
      }
      expect([...missing]).toEqual([]);
    };
    await page.goto(`${url}/?q=remote+control`);
    await tabTo(page, ['a.skip', 'header.site a[href="/ask"]', '#q', 'button[type=submit]', 'details.filters summary', 'li.hit a.moment']);
    await page.goto(`${url}/r/${jfk.id}?t=4`);
    await tabTo(page, ['#player', '.transcript .line a.ts', '#follow']);
    await page.goto(`${url}/r/ES2002a?t=500`);
    await tabTo(page, ['.chapters-track a.chap', 'nav.chapters a[data-seek]', 'nav.chapters .keywords a', '.transcript .line a.ts']);
    await page.goto(`${url}/ask`);
    await tabTo(page, ['#question', 'details.filters summary', '#ask-submit']);
    await page.goto(`${url}/ingest`);
    await tabTo(page, ['#api-key', '#api-key-forget', '#audio', '#m-title', '#ingest-audio button[type=submit]', '#file', '#ingest-file button[type=submit]', '#manifest']);
  });

  it('has no sideways scrolling on a phone (390 px), answers unknown recordings with a 404 page, and never requests anything off loopback', async () => {
    const jfk = await a.jfk;
    const res = await page.goto(`${url}/r/no-such-recording`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Recording not found');
    expect((await fetch(`${url}/favicon.ico`)).status).toBe(204);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await newPage(phone);
    for (const path of ['/', '/?q=remote+control+price', '/?q=remote+control&group=recording', `/r/${jfk.id}?t=4`, '/r/ES2002a?t=500', '/ask', '/ingest', '/r/no-such-recording']) {
      await p.goto(`${url}${path}`);
      expect(await fitsWidth(p), `${path} fits 390 px`).toBe(true);
      if (path === '/?q=remote+control+price') await shot('search-phone', p);
    }
    await p.goto(`${url}/ask`);
    await p.fill('#question', 'What did they say about the remote control price?');
    await p.click('#ask-submit');
    await p.locator('.answer-final').waitFor({ timeout: 30_000 });
    expect(await fitsWidth(p), '/ask with an answer fits 390 px').toBe(true);
    await phone.close();

    expect(pageErrors).toEqual([]);
    expect(requested.length).toBeGreaterThan(50);
    const off = requested.map((r) => r.url).filter((u) => !/^(data:|blob:)/.test(u) && new URL(u).hostname !== '127.0.0.1');
    expect(off).toEqual([]);
    // The key went in headers only, never in a URL.
    expect(requested.filter((r) => r.url.includes(a.keys.archivist) || r.url.includes(a.keys.reader))).toEqual([]);
  });
});
