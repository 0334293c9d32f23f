/**
 * Backup, compaction and restore beside a running server, with real processes on a real DATA_DIR: `backup` and
 * `compact` are run by the server that owns the archive (over its admin socket), `restore` refuses the DATA_DIR
 * that server has open and fills an empty one, which then answers a search as the server does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `sa-${name}-`));

describe('backup, compaction and restore beside a running server (real processes)', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  const env = (dataDir: string) => ({ ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off', PORT: '0', LOG_LEVEL: 'info', RATE_LIMIT_PER_MIN: '0' });
  const cli = (dataDir: string, ...args: string[]) => runCli(args, env(dataDir));

  beforeAll(() => {
    dir = tmp('served');
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('`backup` and `compact` are run by the server; `restore` refuses its DATA_DIR and fills an empty one', async () => {
    const data = path.join(dir, 'data');
    const sample = path.join(ROOT, 'sample', 'recordings', 'council-1987-housing.vtt');
    expect((await cli(data, 'ingest', sample, '--id', 'housing', '--recorded-at', '1987-03-12')).code).toBe(0);

    server = spawn(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'serve'], { cwd: ROOT, env: env(data), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const url = await vi.waitFor(
      () => {
        const m = /listening on (http:\S+)/.exec(out);
        if (!m) throw new Error('server not listening yet');
        return m[1];
      },
      { timeout: 60_000, interval: 100 },
    );
    const file = path.join(dir, 'served.tar');
    const b = await cli(data, 'backup', file);
    expect(b.code, b.err).toBe(0);
    expect(b.err).toContain(`made by the running server, pid ${server.pid}`);
    expect(b.out).toMatch(/backed up 1 recordings, \d+ moments/);

    const searched = await fetch(`${url}/v1/search?q=rent+control&mode=bm25`).then((r) => r.json());
    const c = await cli(data, 'compact');
    expect(c.code, c.err).toBe(0);
    expect(c.err).toContain(`run by the running server, pid ${server.pid}`);
    expect(c.out).toMatch(/^compacted lex_postings, lex_rec_postings, .*: \d+\.\d MB → \d+\.\d MB in \d+\.\d s$/m);
    expect((await fetch(`${url}/v1/search?q=rent+control&mode=bm25`).then((r) => r.json())).results).toEqual(searched.results);
    expect((await cli(data, 'audit')).out).toMatch(/\tcli\tarchive\.compact\t/);

    const refused = await cli(data, 'restore', file, '--force');
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(`in use by speech-archive serve (pid ${server.pid}`);
    // The server is unharmed.
    expect((await fetch(`${url}/v1/search?q=housing`).then((r) => r.json())).results.length).toBeGreaterThan(0);

    const copy = path.join(dir, 'copy');
    const r = await cli(copy, 'restore', file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/restored 1 recordings/);
    const found = await cli(copy, 'search', 'housing', '--json', '--mode', 'bm25');
    const served = await fetch(`${url}/v1/search?q=housing&mode=bm25`).then((x) => x.json());
    expect(JSON.parse(found.out).results).toEqual(served.results);
  }, 240_000);
});
