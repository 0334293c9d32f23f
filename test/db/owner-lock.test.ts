/**
 * The owner lock on its own (no database): who is told what, when a lock is taken over and when it is not.
 * test/db/archive-owner.test.ts runs it with real databases, servers and the CLI.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveLockedError, LOCK_FILE, takeOwnership, type OwnerRecord } from '../../src/platform/db/owner.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

const procStart = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

describe('the owner lock', () => {
  let dir: string;
  const file = () => path.join(dir, LOCK_FILE);
  const read = () => JSON.parse(fs.readFileSync(file(), 'utf8')) as OwnerRecord;
  const plant = (r: Partial<OwnerRecord>) =>
    fs.writeFileSync(file(), JSON.stringify({ pid: 1, host: os.hostname(), command: 'speech-archive ingest m.jsonl', startedAt: '2026-01-02T03:04:05.000Z', ...r }));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-lock-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the owner, refuses this process a second time, and is gone once released', () => {
    const lock = takeOwnership(dir, { command: 'speech-archive serve' });
    try {
      expect(read()).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'speech-archive serve' });
      expect(() => takeOwnership(dir)).toThrow(/in use by speech-archive serve \(pid \d+, since .*\): this process has it open already/);
      lock.update({ url: 'http://127.0.0.1:3000' });
      expect(read()).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:3000' });
    } finally {
      lock.release();
    }
    expect(fs.existsSync(file())).toBe(false);
    takeOwnership(dir).release();
  });

  it('takes over the lock of a process that is gone, and says so', () => {
    const pid = deadPid();
    plant({ pid });
    const told: OwnerRecord[] = [];
    const lock = takeOwnership(dir, { onStale: (stale) => told.push(stale) });
    lock.release();
    expect(told).toEqual([expect.objectContaining({ pid, command: 'speech-archive ingest m.jsonl' })]);
  });

  it('refuses while the owner lives, and takes over when its pid now belongs to another program', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await new Promise((r) => other.once('spawn', r));
      plant({ pid: other.pid!, procStart: procStart(other.pid!) });
      let err: unknown;
      try {
        takeOwnership(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ArchiveLockedError);
      expect(err).toMatchObject({ code: 'archive_locked', status: 409, owner: { pid: other.pid } });
      expect((err as Error).message).toBe(
        `the archive in ${dir} is in use by speech-archive ingest m.jsonl (pid ${other.pid}, since 2026-01-02T03:04:05.000Z)`,
      );
      // The same pid, started at another time: the owner died and the pid was handed on (a container restart).
      plant({ pid: other.pid!, procStart: '1' });
      takeOwnership(dir, { onStale: () => {} }).release();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock with this process\'s own pid that it does not hold: an earlier process had the pid', () => {
    plant({ pid: process.pid, procStart: procStart(process.pid) });
    const told: OwnerRecord[] = [];
    takeOwnership(dir, { onStale: (stale) => told.push(stale) }).release();
    expect(told).toEqual([expect.objectContaining({ pid: process.pid })]);
  });

  it('never takes over a lock of another host, and says how to clear it', () => {
    plant({ pid: deadPid(), host: 'elsewhere' });
    expect(() => takeOwnership(dir)).toThrow(`on host elsewhere, since 2026-01-02T03:04:05.000Z); if no process on elsewhere uses it, remove ${file()}`);
    expect(fs.existsSync(file())).toBe(true);
  });

  it('refuses a lock file it cannot read rather than guess', () => {
    fs.writeFileSync(file(), 'not a lock');
    expect(() => takeOwnership(dir)).toThrow(`is locked by ${file()}, which cannot be read; if no process uses the archive, remove that file`);
  });

  it('leaves a lock alone on release once it is no longer this process\'s', () => {
    const lock = takeOwnership(dir);
    plant({ pid: 1 });
    lock.release();
    expect(fs.existsSync(file())).toBe(true);
  });

  it('gives a stale lock to exactly one of several processes taking it over at once', async () => {
    plant({ pid: deadPid() });
    const at = Date.now() + 2500;
    const outs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'test/db/fixtures/take-lock.ts', dir, String(at)], { cwd: ROOT });
        let out = '';
        p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        return new Promise<string>((r) => p.on('exit', () => r(out.trim())));
      }),
    );
    expect(outs.sort()).toEqual(['archive_locked', 'archive_locked', 'archive_locked', 'won']);
  });
});
