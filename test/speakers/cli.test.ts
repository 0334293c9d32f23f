/**
 * `speakers` commands on a real DATA_DIR with the embedded database: naming a label from the command line is
 * seen by the next command's search, and beside a process that owns the archive the command is refused.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

const VTT = `WEBVTT

00:00:00.000 --> 00:00:08.000
<v SPEAKER_00>The housing cooperative on Mill Street needs a new roof before winter.

00:00:09.000 --> 00:00:17.000
<v SPEAKER_01>The harbour dredging contract went to the lowest bidder.

00:00:18.000 --> 00:00:26.000
<v SPEAKER_02>Rents in the housing cooperative stayed flat for its members.
`;

describe('cli speakers (embedded database on disk)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const env = () => ({ ...process.env, DATA_DIR: dir, DATABASE_URL: '', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', LOG_LEVEL: 'warn' });
  const cli = (...args: string[]) => runCli(args, env(), (p) => children.push(p));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-speakers-cli-'));
    fs.writeFileSync(path.join(dir, 'meeting.vtt'), VTT);
    const r = await cli('ingest', path.join(dir, 'meeting.vtt'), '--id', 'meeting', '--title', 'Meeting');
    expect(r.code, r.err).toBe(0);
  }, 120_000);
  afterAll(() => {
    for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('renames and merges labels, lists them, and a search by the name finds the recording', async () => {
    const renamed = await cli('speakers', 'rename', 'meeting', 'SPEAKER_00', 'Margaret Hale');
    expect(renamed.code, renamed.err).toBe(0);
    expect(renamed.out).toContain('meeting: SPEAKER_00 → Margaret Hale');
    const merged = await cli('speakers', 'merge', 'meeting', 'Margaret Hale', 'SPEAKER_02');
    expect(merged.code, merged.err).toBe(0);
    expect(merged.out).toContain('meeting: SPEAKER_02, SPEAKER_00 → Margaret Hale');
    const list = await cli('speakers', 'list');
    expect(list.code, list.err).toBe(0);
    expect(list.out.split('\n').filter(Boolean)).toEqual(['Margaret Hale\t1 recording\t0:00:16\t2 turns', 'SPEAKER_01\t1 recording\t0:00:08\t1 turn']);
    const search = await cli('search', 'housing cooperative', '--speaker', 'margaret hale', '--json');
    expect(search.code, search.err).toBe(0);
    const hits = JSON.parse(search.out).results as { recording_id: string; speakers: string[] }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]).toMatchObject({ recording_id: 'meeting' });
    expect(hits[0].speakers).toContain('Margaret Hale');
  }, 180_000);

  it('is refused with exit 3, naming the owner, while another process has the archive', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/db/fixtures/hold-archive.ts', dir], { cwd: ROOT, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(holder);
    await new Promise<void>((resolve) => holder.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('open') && resolve()));
    const r = await cli('speakers', 'rename', 'meeting', 'SPEAKER_01', 'Tom Briggs');
    expect(r.code).toBe(3);
    expect(r.err).toContain(`is in use by hold-archive.ts ${dir} (pid ${holder.pid}`);
    holder.stdin!.end();
    await new Promise((resolve) => holder.on('exit', resolve));
    const list = await cli('speakers', 'list', '--recording', 'meeting');
    expect(list.out).toContain('SPEAKER_01\t(no name)');
  }, 120_000);
});
