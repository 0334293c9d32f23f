import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cueSentences } from '../../src/core/sentences.js';
import { parseTime } from '../../src/http/web/pages/recording.js';
import { pageHtml, startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

const VOTE = 'Right. Then we will vote. The amended motion is: council rents increase by six percent from April. Those in favour?';
const VTT = `WEBVTT

00:07:40.000 --> 00:07:45.000
<v Councillor Brennan>I can live with six.

00:07:45.320 --> 00:08:03.302
<v Chair>${VOTE}

00:08:04.211 --> 00:08:04.911
<v Clerk>Seven.
`;

describe('the recording page opened at a moment (real app on loopback, PGlite)', () => {
  let t: TestServer;
  const page = (path: string) => pageHtml(t, path);
  /** The text of the line the page opens on. */
  const current = (html: string) => html.match(/<p class="[^"]*\bcurrent\b[^"]*"[^>]*>.*?<span class="said">(.*?)<\/span><\/p>/s)?.[1];

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none' });
    const res = await fetch(`${t.url}/v1/ingest`, { method: 'POST', body: transcriptForm('vote.vtt', VTT, { id: 'vote', title: 'Housing Committee' }) });
    expect(res.status).toBe(201);
  }, 120_000);
  afterAll(async () => t?.close());

  it('marks the sentence a link opens on inside a line of several, as the search placed it', async () => {
    const sentences = cueSentences({ start: 465.32, end: 483.302, speaker: 'Chair', text: VOTE });
    const motion = sentences.find((x) => x.text.startsWith('The amended'))!;
    const said = current(await page(`/r/vote?t=${motion.start}`));
    expect(said).toContain('<mark class="opens">The amended motion is: council rents increase by six percent from April.</mark>');
    expect(said).toMatch(/^Right\. Then we will vote\. <mark/);
    expect(said).toMatch(/<\/mark> Those in favour\?$/);
    // Its first sentence, at the line's start.
    expect(current(await page('/r/vote?t=465.32'))).toMatch(/^<mark class="opens">Right\.<\/mark> Then we will vote\./);
  });

  it('marks no sentence in a line of one, nor without a time', async () => {
    expect(current(await page('/r/vote?t=484.3'))).toBe('Seven.');
    expect(await page('/r/vote')).not.toContain('class="opens"');
  });
});

describe('the time a recording page opens at (t=)', () => {
  it('reads seconds, a clock, and hours, minutes and seconds as other players write them', () => {
    expect(parseTime('465.74')).toBe(465.74);
    expect(parseTime('7:45')).toBe(465);
    expect(parseTime('1:02:03')).toBe(3723);
    expect(parseTime('465s')).toBe(465);
    expect(parseTime('7m45s')).toBe(465);
    expect(parseTime('7m45.5s')).toBe(465.5);
    expect(parseTime('1h2m3s')).toBe(3723);
    expect(parseTime('1h')).toBe(3600);
    expect(parseTime('7M45S')).toBe(465);
  });

  it('reads nothing else', () => {
    for (const v of [undefined, '', 'abc', '-5', '7m45', 'm45s', '7s45m', '1:2:3:4', '7:45s', '1e3', 's']) expect(parseTime(v), String(v)).toBeNull();
  });
});
