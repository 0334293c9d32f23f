import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDev, startTestServer, type TestServer } from '../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from './fixtures.js';

const hasChromium = fs.existsSync(CHROMIUM);
const SHOTS = process.env.SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : null;

const SUITE = 'web facets and browsing in Chromium (real app on loopback, PGlite)';
describe.skipIf(!hasChromium)(hasChromium ? SUITE : `${SUITE}: SKIPPED, ${CHROMIUM} is missing`, () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const recordingsShown = (p: Page) => p.$$eval('.hits .hit', (els) => [...new Set(els.map((e) => (e as HTMLElement).dataset.recording))].sort());

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none' });
    await ingestDev(t, [
      ['ES2005a', 'Remote control kick-off', '1992-01-11', 'qmsum'],
      ['IS1004a', 'Design meeting', '2021-06-03', 'qmsum'],
      ['Bed002', 'Research group meeting', '2001-03-05', 'icsi'],
    ]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('clicking a collection facet, then a year bar, narrows the results to them', async () => {
    await page.goto(`${t.url}/?q=meeting&mode=bm25`);
    expect(await recordingsShown(page)).toEqual(['Bed002', 'ES2005a', 'IS1004a']);
    const icsi = page.locator('.facet-collection a[data-value="icsi"]');
    const count = Number(await icsi.locator('.count').textContent());
    await icsi.click();
    await page.waitForURL(/collection=icsi/);
    expect(new URL(page.url()).searchParams.get('q')).toBe('meeting');
    expect(await recordingsShown(page)).toEqual(['Bed002']);
    // The count the facet showed is the filtered search's total.
    expect(await page.textContent('#results-heading')).toContain(`${count} matching moment`);
    expect(await page.getAttribute('.facet-collection a[data-value="icsi"]', 'aria-current')).toBe('true');
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'facets.png'), fullPage: true });

    // The year chart: one bar per year with hits, each a link to its year.
    await page.goto(`${t.url}/?q=meeting&mode=bm25`);
    expect(await page.$$eval('.year-chart a[data-year]', (els) => els.map((e) => (e as HTMLElement).dataset.year))).toEqual(['1992', '2001', '2021']);
    // Every year written under the bars is inside the chart, the last one too (its text ends at its bar).
    const outside = async () => page.$eval('.year-chart', (chart) => {
      const box = chart.getBoundingClientRect();
      return [...chart.querySelectorAll('.year')].filter((y) => y.textContent).filter((y) => {
        // The text's own box: the label's box is its bar's width, and the text overflows it.
        const range = document.createRange();
        range.selectNodeContents(y);
        const text = range.getBoundingClientRect();
        return text.left < box.left - 0.5 || text.right > box.right + 0.5;
      }).map((y) => y.textContent);
    });
    expect(await outside()).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await outside()).toEqual([]);
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.click('.year-chart a[data-year="2021"]');
    await page.waitForURL(/from=2021-01-01/);
    expect(new URL(page.url()).searchParams.get('to')).toBe('2021-12-31');
    expect(await recordingsShown(page)).toEqual(['IS1004a']);
  });

  it('browses by a filter alone (no words): the recordings of a collection, newest first, then its speaker facet', async () => {
    await page.goto(`${t.url}/`);
    await page.click('details.filters summary');
    await page.fill('input[name="collection"]', 'qmsum');
    await page.click('.searchbar button[type="submit"]');
    await page.waitForURL(/collection=qmsum/);
    expect(await page.$$eval('.recordings .recording-item', (els) => els.map((e) => (e as HTMLElement).dataset.recording))).toEqual(['IS1004a', 'ES2005a']);
    expect(await page.textContent('#results-heading')).toContain('2 recordings');
    // The collection picker lists every collection with its recordings.
    expect(await page.$$eval('#collections option', (els) => els.map((e) => (e as HTMLOptionElement).label))).toEqual(['icsi (1 recording)', 'qmsum (2 recordings)']);
    await page.click('.view-toggle a:has-text("Oldest first")');
    await page.waitForURL(/order=oldest/);
    expect(await page.$$eval('.recordings .recording-item', (els) => els.map((e) => (e as HTMLElement).dataset.recording))).toEqual(['ES2005a', 'IS1004a']);
    const speaker = page.locator('.facet-speaker a').first();
    const name = (await speaker.getAttribute('data-value'))!;
    await speaker.click();
    await page.waitForURL(/speaker=/);
    expect(new URL(page.url()).searchParams.get('speaker')).toBe(name);
    expect(new URL(page.url()).searchParams.get('collection')).toBe('qmsum');
    expect(await page.$$eval('.recordings .recording-item', (els) => els.length)).toBeGreaterThan(0);
  });
});
