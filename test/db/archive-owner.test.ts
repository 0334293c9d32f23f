/**
 * One owner per embedded archive, with real processes on a real DATA_DIR: a process holding the archive open,
 * the CLI beside it, the holder SIGKILLed, then a server (which takes over the dead holder's lock), a second
 * server, and key, search and ask commands sent to the running server. PGlite takes seconds to open, so the steps share one
 * archive and run in order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase } from '../../src/platform/db/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Proc {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `re` on stdout. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

describe('the embedded archive has one owner', () => {
  let dir: string;
  let env: Record<string, string>;
  const procs: Proc[] = [];
  let holder: Proc;
  let server: Proc;
  let url: string;

  // node --import tsx (what `npx tsx` does), so the pid is the program's own and SIGKILL reaches it.
  const start = (args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): Proc => {
    const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: [stdin, 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    const p: Proc = {
      proc,
      out: () => out,
      err: () => err,
      exited,
      waitFor: (re, timeoutMs = 60_000) =>
        vi.waitFor(
          () => {
            const m = re.exec(out);
            if (!m) throw new Error(`waiting for ${re} from ${args.join(' ')}; exit ${proc.exitCode}; stderr: ${err.slice(-2000)}`);
            return m;
          },
          { timeout: timeoutMs, interval: 100 },
        ),
    };
    procs.push(p);
    return p;
  };
  const cli = async (...args: string[]) => {
    const p = start(['src/main/cli.ts', ...args]);
    const { code } = await p.exited;
    return { code, out: p.out(), err: p.err() };
  };
  const lockFile = () => path.join(dir, 'pg', 'owner.lock');
  const lock = () => JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as { pid: number; command: string; url?: string };
  /** Every file under the archive with its content hash: what "changed nothing" means. */
  const snapshot = () => {
    const files: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) files[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      }
    };
    walk(dir);
    return files;
  };
  const search = (key?: string) => fetch(`${url}/v1/search?q=council`, { headers: key ? { authorization: `Bearer ${key}` } : {} }).then((r) => r.status);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-owner-'));
    env = {
      DATA_DIR: dir,
      DATABASE_URL: '',
      EMBEDDINGS: 'none',
      SAMPLE_ARCHIVE: 'off',
      PORT: '0',
      AUTH_PUBLIC_READ: 'off',
      RATE_LIMIT_PER_MIN: '0',
      LOG_LEVEL: 'info',
    };
    holder = start(['test/db/fixtures/hold-archive.ts', dir], 'pipe');
    await holder.waitFor(/^open$/m);
  });

  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second opener at once, naming the process that has the archive', async () => {
    const t0 = performance.now();
    const second = openDatabase(loadConfig({ DATA_DIR: dir }));
    await expect(second).rejects.toMatchObject({ code: 'archive_locked', status: 409 });
    await expect(second).rejects.toThrow(
      new RegExp(`^the archive in ${path.join(dir, 'pg')} is in use by hold-archive\\.ts ${dir} \\(pid ${holder.proc.pid}, since \\d{4}-`),
    );
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a CLI command beside the owner exits 3, says what to do, and changes nothing', async () => {
    const before = snapshot();
    const r = await cli('keys', 'list');
    expect(r.code).toBe(3);
    expect(r.err).toContain(`is in use by hold-archive.ts ${dir} (pid ${holder.proc.pid}, since`);
    expect(r.err).toContain(`stop it first (Ctrl-C where it runs, or \`kill ${holder.proc.pid}\`) and run this again`);
    expect(r.out).toBe('');
    expect(snapshot()).toEqual(before);
  });

  it('a lock left by a SIGKILLed owner is taken over by the next opener, with a log line', async () => {
    holder.proc.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    expect(lock().pid).toBe(holder.proc.pid);

    server = start(['src/main/cli.ts', 'serve']);
    url = (await server.waitFor(/listening on (http:\S+)/))[1];
    expect(server.err()).toMatch(new RegExp(`"pid":${holder.proc.pid}.*took over the embedded database from a process that is no longer running`));
    expect(lock()).toMatchObject({ pid: server.proc.pid, command: 'speech-archive serve', url });
  });

  it('a second server exits 3 naming the first, while key commands are run by the first', async () => {
    const [second, reader, archivist] = await Promise.all([
      cli('serve'),
      cli('keys', 'create', '--name', 'reading room', '--role', 'reader'),
      cli('keys', 'create', '--name', 'digitisation', '--role', 'archivist'),
    ]);
    expect(second.code).toBe(3);
    expect(second.err).toContain(`is in use by speech-archive serve (pid ${server.proc.pid}, since`);
    expect(second.err).toContain(`use its HTTP API at ${url}`);
    expect(second.out).not.toMatch(/listening/);
    for (const k of [reader, archivist]) {
      expect(k.code).toBe(0);
      expect(k.err).toContain(`sent to the running server, pid ${server.proc.pid}`);
    }
    const [readerKey, archivistKey] = [reader.out.trim(), archivist.out.trim()];
    expect(readerKey).toMatch(/^sa_[a-z0-9]{10}_/);

    // Created through the server: honoured by it at once.
    expect(await search()).toBe(401);
    expect(await search(readerKey)).toBe(200);
    expect(await search(archivistKey)).toBe(200);

    const readerId = readerKey.split('_')[1];
    const revoked = await cli('keys', 'revoke', readerId);
    expect(revoked.code).toBe(0);
    await vi.waitFor(async () => expect(await search(readerKey)).toBe(401), { timeout: 10_000, interval: 200 });
    expect(await search(archivistKey)).toBe(200);

    // `search` and `ask` are read by the server too: a researcher need not stop it to search from a terminal.
    const vtt = 'WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n<v Chair>The lighthouse on the north quay needs new glass before the winter storms.\n';
    const form = new FormData();
    form.set('file', new File([vtt], 'harbour.vtt', { type: 'text/vtt' }));
    form.set('id', 'harbour-1987');
    form.set('recorded_at', '1987-03-12');
    const ingested = await fetch(`${url}/v1/ingest`, { method: 'POST', body: form, headers: { authorization: `Bearer ${archivistKey}` } });
    expect(ingested.status).toBe(201);
    const [found, dated, answered, refused] = await Promise.all([
      cli('search', 'lighthouse glass', '--json'),
      cli('search', '1987'),
      cli('ask', 'What does the lighthouse need?'),
      cli('search', 'lighthouse', '--from', '1990', '--to', '1980'),
    ]);
    expect(found.code).toBe(0);
    expect(found.err).toContain(`answered by the running server, pid ${server.proc.pid}`);
    expect(JSON.parse(found.out).results).toEqual([expect.objectContaining({ recording_id: 'harbour-1987', url: '/r/harbour-1987?t=1' })]);
    expect(dated.out).toMatch(/^1 recording dated 1987-01-01 – 1987-12-31/);
    expect(answered.code).toBe(0);
    expect(answered.out).toContain('The lighthouse on the north quay needs new glass before the winter storms.');
    expect(answered.out).toContain('/r/harbour-1987?t=1');
    expect([refused.code, refused.err.trim()]).toEqual([2, 'error: --from: 1990-01-01 is after to (1980-12-31)']);

    // Stopped, the server gives the archive back; the keys were written to it, not lost with a second process.
    server.proc.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(fs.existsSync(lockFile())).toBe(false);
    const list = await cli('keys', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${readerId}\\treader\\trevoked \\S+\\t\\S+\\treading room$`, 'm'));
    expect(list.out).toMatch(new RegExp(`^${archivistKey.split('_')[1]}\\tarchivist\\tactive\\t\\S+\\tdigitisation$`, 'm'));
  });
});
