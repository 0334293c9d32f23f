/**
 * `cli edit` and `cli history` as an archivist runs them, in real processes on a real DATA_DIR: a correction is
 * made and recorded as the CLI's (the API suite shows the search following a correction); beside a process that owns the embedded
 * archive the command is refused and changes nothing. `cli ask` and the options `search` and `ask` share, on the
 * same archive.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase } from '../../src/platform/db/index.js';
import { runCli } from '../helpers/cli.js';

describe('cli edit', () => {
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { ...process.env, DATA_DIR: dir, DATABASE_URL: '', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-edit-'));
    const vtt = path.join(dir, 'council.vtt');
    fs.writeFileSync(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n<v Chair>The lighthouse needs repairs before the winter storms.\n');
    const r = await cli('ingest', vtt, '--id', 'council', '--title', 'Council', '--recorded-at', '1987-03-12', '--collection', 'minutes');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  }, 240_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('corrects the metadata, and the history names the CLI', { timeout: 240_000 }, async () => {
    const r = await cli('edit', 'council', '--title', 'Harbour council', '--date', '2003-05-06', '--clear-collection');
    expect(r.err).toBe('');
    expect(r.out).toContain('recorded_at: "1987-03-12" → "2003-05-06"');
    expect(r.out).toContain('collection: "minutes" → null');
    expect(r.out).toMatch(/corrected council \(revision \d+\)/);
    const h = await cli('history', 'council');
    expect(h.out).toMatch(/^#\d+ \S+ cli recording: title: "Council" → "Harbour council"; recorded_at: .*; collection: "minutes" → null$/m);
  });

  it('refuses bad input with the reason, before opening the archive', { timeout: 120_000 }, async () => {
    const bad = await cli('edit', 'council', '--date', '2003-02-30');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--date: not a date/);
    const both = await cli('edit', 'council', '--collection', 'x', '--clear-collection');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/contradict/);
    const tag = await cli('edit', 'council', '--language', 'klingon!!');
    expect(tag.code).toBe(2);
    expect(tag.err).toMatch(/--language: not a language tag/);
  });

  it('answers a question from the command line, citing the moment, and lists the nearest passages when it cannot', { timeout: 240_000 }, async () => {
    const r = await cli('ask', 'What does the lighthouse need?');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Chair: "The lighthouse needs repairs before the winter storms." [1]');
    expect(r.out).toMatch(/^\[1\] .* 0:00:00–0:00:05 Chair {2}\/r\/council\?t=0$/m);
    const json = await cli('ask', 'What does the lighthouse need?', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ kind: 'extractive', citations: [{ recording_id: 'council', at: 0, url: '/r/council?t=0' }] });
    // Too little of the question is in the archive: no answer, but where the nearest talk is.
    const none = await cli('ask', "What did the council say about the lighthouse keeper's salary?");
    expect(none.code).toBe(0);
    expect(none.out).toContain('The archive does not contain an answer to this question.');
    expect(none.out).toMatch(/Nearest passages:\n1\. .* 0:00:00–0:00:05 Chair {2}\/r\/council\?t=0/);
  });

  it('refuses a limit that is not a number in range, naming the option', { timeout: 120_000 }, async () => {
    // The ranges themselves: test/main/options.test.ts.
    for (const args of [['search', 'lighthouse', '--limit', 'abc'], ['ask', 'lighthouse?', '--limit', '21']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/^error: --limit: /);
    }
  });

  it('beside a process that owns the archive, exits 3 and says to use the server', { timeout: 240_000 }, async () => {
    const owner = await openDatabase(loadConfig({ DATA_DIR: dir, DATABASE_URL: '' }));
    try {
      const r = await cli('edit', 'council', '--title', 'Elsewhere');
      expect(r.code).toBe(3);
      expect(r.err).toContain('is in use by');
      expect(r.out).toBe('');
    } finally {
      await owner.close();
    }
    const h = await cli('history', 'council');
    expect(h.out).not.toContain('Elsewhere');
  });
});
