/**
 * `cli compact` as an archivist runs it after a bulk ingest, in real processes on a real DATA_DIR: it reports
 * what it rewrote and the sizes, and the archive answers the same search afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('cli compact', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-compact-'));
  const cli = (...args: string[]) => runCli(args, { ...process.env, DATA_DIR: dir, DATABASE_URL: '', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn' });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rebuilds the lexical keys of the embedded archive and searches the same afterwards', { timeout: 240_000 }, async () => {
    const vtt = path.join(dir, 'harbour.vtt');
    fs.writeFileSync(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:06.000\n<v Chair>The lighthouse needs repairs before the winter.\n\n00:00:07.000 --> 00:00:12.000\n<v Treasurer>The harbour board will pay for the lamp.\n');
    expect((await cli('ingest', vtt, '--id', 'harbour', '--title', 'Harbour board')).code).toBe(0);
    const before = await cli('search', 'lighthouse repairs', '--json');
    const r = await cli('compact');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^compacted lex_postings, lex_rec_postings, .*: \d+\.\d MB → \d+\.\d MB in \d+\.\d s$/m);
    const after = await cli('search', 'lighthouse repairs', '--json');
    expect(after.code).toBe(0);
    expect(JSON.parse(after.out).results.map((x: { url: string }) => x.url)).toEqual(JSON.parse(before.out).results.map((x: { url: string }) => x.url));
    expect(JSON.parse(after.out).results.length).toBeGreaterThan(0);
  });
});
