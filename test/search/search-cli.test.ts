/**
 * `cli search` as a user runs it, in a real process on a real DATA_DIR: a question lists its moments, and a
 * question of nothing but dates lists the recordings of that time, as the API and the web page do, rather than
 * the talk that says the year.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('cli search', () => {
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { ...process.env, DATA_DIR: dir, DATABASE_URL: '', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn' });
  const ingest = async (id: string, date: string, text: string) => {
    const vtt = path.join(dir, `${id}.vtt`);
    fs.writeFileSync(vtt, `WEBVTT\n\n00:00:00.000 --> 00:00:06.000\n<v Chair>${text}\n`);
    const r = await cli('ingest', vtt, '--id', id, '--title', id, '--recorded-at', date);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-search-cli-'));
    const minutes = 'We went through the minutes of the last meeting, item by item, and the apologies. '.repeat(4);
    await ingest('council-1987', '1987-03-12', `${minutes}The lighthouse needs repairs before the winter storms & gales.`);
    await ingest('council-2015', '2015-06-01', 'Back in 1987 the lighthouse keeper retired and nobody replaced him.');
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the moments that match a question', { timeout: 120_000 }, async () => {
    const r = await cli('search', 'lighthouse keeper', '--mode', 'bm25');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1\. council-2015 \(2015-06-01\) 0:00:00–0:00:06 Chair {2}\/r\/council-2015\?t=0/m);
  });

  it('shows under each moment the sentence its link opens on, not only how its passage begins', { timeout: 120_000 }, async () => {
    const r = await cli('search', 'lighthouse repairs', '--mode', 'bm25');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1\. council-1987 .*\/r\/council-1987\?t=\d/m);
    expect(r.out).toContain('The lighthouse needs repairs before the winter storms & gales.');
  });

  it('lists the recordings of the time a question of nothing but dates names', { timeout: 120_000 }, async () => {
    const r = await cli('search', '1987', '--mode', 'bm25');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 recording dated 1987-01-01 – 1987-12-31 (the dates in the question)');
    expect(r.out).toMatch(/^1\. council-1987 \(1987-03-12\) .*\/r\/council-1987$/m);
    expect(r.out).not.toContain('council-2015');
    const json = JSON.parse((await cli('search', 'what happened in 1987?', '--json')).out) as Record<string, unknown>;
    expect(json).toMatchObject({ routing: { from: '1987-01-01', to: '1987-12-31', source: 'question' }, total: 1, results: [] });
    expect(json.recordings).toMatchObject([{ recording_id: 'council-1987' }]);
  });

  it('searches the words of such a question when no recording is of its time', { timeout: 120_000 }, async () => {
    const r = await cli('search', '1999', '--mode', 'bm25');
    expect(r.code).toBe(0);
    expect(r.out).toBe('no moments found\n');
  });

  it('refuses dates that are not dates, a range that holds none and an unknown recording, naming the option', { timeout: 120_000 }, async () => {
    const bad = await cli('search', 'lighthouse', '--from', '2000-13-01');
    expect([bad.code, bad.err.trim()]).toEqual([2, 'error: --from: not a date (YYYY-MM-DD, YYYY-MM or YYYY): "2000-13-01"']);
    // Years read as the range they name: from the first day of one to the last day of the other.
    const reversed = await cli('search', 'lighthouse', '--from', '2000', '--to', '1990');
    expect([reversed.code, reversed.err.trim()]).toEqual([2, 'error: --from: 2000-01-01 is after to (1990-12-31)']);
    const vtt = path.join(dir, 'undated.vtt');
    fs.writeFileSync(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n<v Chair>The harbour wall.\n');
    const undated = await cli('ingest', vtt, '--recorded-at', '1999-13-45');
    expect([undated.code, undated.err.trim()]).toEqual([2, 'error: --recorded-at: not a date (YYYY-MM-DD): "1999-13-45"']);
    const unknown = await cli('search', 'lighthouse', '--recording', 'council-1988');
    expect([unknown.code, unknown.err.trim()]).toEqual([2, 'error: no recording "council-1988"']);
  });
});
