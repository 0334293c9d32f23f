import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../core/index.js';

/**
 * One owner per embedded database directory. PGlite is Postgres compiled to WASM running inside one process,
 * with the data files as its private memory: a second process opening the same directory neither sees the
 * first one's writes nor is seen, and whichever closes last overwrites the other's pages. So the first process
 * to open a directory takes `owner.lock` in it, and every other opener is refused with `archive_locked`.
 *
 * The lock is a file created with O_EXCL holding who owns it. A kernel lock (flock) would vanish with its
 * process, but Node has none; a lock kept fresh by a timer (proper-lockfile) would be taken over while a long
 * PGlite query blocks the event loop. Instead a lock whose process is gone is recognised and taken over:
 * same host, and the pid is not alive or is now a different process (its start time in /proc differs, as
 * after a container restart hands the same pid to another program).
 */

export const LOCK_FILE = 'owner.lock';

const OwnerRecord = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  command: z.string(),
  startedAt: z.string(),
  /** Clock ticks since boot at which the process started (Linux /proc), to tell a reused pid from the owner. */
  procStart: z.string().optional(),
  /** Set by a server once it listens. */
  url: z.string().optional(),
  /** The owner's local admin socket (a server), which CLI commands can be sent to instead. */
  admin: z.string().optional(),
});
export type OwnerRecord = z.infer<typeof OwnerRecord>;

/** The directory is owned by another process (or another open database in this one). */
export class ArchiveLockedError extends AppError {
  constructor(
    readonly dir: string,
    readonly owner: OwnerRecord | null,
    readonly lockFile: string,
  ) {
    super('archive_locked', lockedMessage(dir, owner, lockFile), { dir, owner });
    this.name = 'ArchiveLockedError';
  }
}

function lockedMessage(dir: string, owner: OwnerRecord | null, lockFile: string): string {
  if (!owner) return `the archive in ${dir} is locked by ${lockFile}, which cannot be read; if no process uses the archive, remove that file`;
  const who = `${owner.command} (pid ${owner.pid}${owner.host === os.hostname() ? '' : ` on host ${owner.host}`}, since ${owner.startedAt})`;
  const self = owner.pid === process.pid && owner.host === os.hostname() ? ': this process has it open already' : '';
  const elsewhere = owner.host === os.hostname() ? '' : `; if no process on ${owner.host} uses it, remove ${lockFile}`;
  return `the archive in ${dir} is in use by ${who}${self}${elsewhere}`;
}

export interface OwnerLock {
  readonly file: string;
  readonly record: OwnerRecord;
  /** Adds what others should know about the owner (a server's address and admin socket). */
  update(extra: Pick<OwnerRecord, 'url' | 'admin'>): void;
  release(): void;
}

export interface OwnOptions {
  /** What the owner is, as other processes are told; default: this process's command line. */
  command?: string;
  /** Told when a lock left by a dead process is taken over. */
  onStale?: (stale: OwnerRecord, file: string) => void;
}

// Locks held by this process: released on exit too, so that a process ending without closing its database
// leaves nothing for the next one to take over.
const held = new Map<string, OwnerLock>();
let exitHookInstalled = false;

/** Takes the directory for this process, or throws ArchiveLockedError naming its owner. */
export function takeOwnership(dir: string, opts: OwnOptions = {}): OwnerLock {
  fs.mkdirSync(dir, { recursive: true });
  const key = fs.realpathSync(dir);
  const file = path.join(dir, LOCK_FILE);
  const mine = held.get(key);
  if (mine) throw new ArchiveLockedError(dir, mine.record, file);
  const record: OwnerRecord = {
    pid: process.pid,
    host: os.hostname(),
    command: opts.command ?? describeProcess(),
    startedAt: new Date().toISOString(),
    procStart: procStart(process.pid) ?? undefined,
  };
  for (let attempt = 0; ; attempt++) {
    if (create(file, record)) break;
    const current = readLock(file);
    if (current === 'missing' && attempt < 20) continue; // released between our attempt and the read
    if (typeof current === 'object' && isStale(current) && attempt < 20) {
      if (removeStale(file, current)) (opts.onStale ?? defaultOnStale)(current, file);
      continue;
    }
    throw new ArchiveLockedError(dir, typeof current === 'object' ? current : null, file);
  }
  const lock: OwnerLock = {
    file,
    record,
    update(extra) {
      Object.assign(record, extra);
      // Written aside and renamed over, so a reader never sees half a record.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(record));
      fs.renameSync(tmp, file);
    },
    release() {
      if (held.get(key) !== lock) return;
      held.delete(key);
      const current = readLock(file);
      if (typeof current === 'object' && current.pid === record.pid && current.startedAt === record.startedAt) fs.rmSync(file, { force: true });
    },
  };
  held.set(key, lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const l of [...held.values()]) l.release();
    });
  }
  return lock;
}

function create(file: string, record: OwnerRecord): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, JSON.stringify(record));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function readLock(file: string): OwnerRecord | 'missing' | 'unreadable' {
  // A lock just created may not have its record written yet: look again for a moment before calling it unreadable.
  for (let i = 0; i < 10; i++) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
    try {
      const parsed = OwnerRecord.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON (yet)
    }
    sleepSync(20);
  }
  return 'unreadable';
}

/** Only a lock of this host can be judged: another host's processes are not visible from here. */
function isStale(r: OwnerRecord): boolean {
  if (r.host !== os.hostname()) return false;
  // This process is alive, so a lock with its pid that it does not hold was left by an earlier one.
  if (r.pid === process.pid) return ![...held.values()].some((l) => l.record.startedAt === r.startedAt);
  if (!alive(r.pid)) return true;
  const now = procStart(r.pid);
  return r.procStart !== undefined && now !== null && now !== r.procStart;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes a stale lock, unless another process is doing the same: taking over is done under a second,
 * short-lived lock, and only when the lock file still holds the stale record, so two openers that both found
 * it stale cannot each remove the other's fresh lock.
 */
function removeStale(file: string, stale: OwnerRecord): boolean {
  const guard = `${file}.takeover`;
  const record: OwnerRecord = { pid: process.pid, host: os.hostname(), command: 'takeover', startedAt: new Date().toISOString() };
  if (!create(guard, record)) {
    const other = readLock(guard);
    // A takeover whose process died in the middle of it (a few microseconds' window) would block every opener.
    if (other === 'unreadable' || (typeof other === 'object' && isStale(other))) fs.rmSync(guard, { force: true });
    sleepSync(20);
    return false;
  }
  try {
    const current = readLock(file);
    if (typeof current !== 'object' || current.pid !== stale.pid || current.startedAt !== stale.startedAt) return false;
    fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function defaultOnStale(stale: OwnerRecord, file: string): void {
  process.stderr.write(`${file}: taking over the lock of ${stale.command} (pid ${stale.pid}, since ${stale.startedAt}), which is no longer running\n`);
}

function procStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** `speech-archive serve`, `worker.ts`, `eval.ts ../shared/eval/dev`: enough for a person to recognise it. */
function describeProcess(): string {
  const script = path.basename(process.argv[1] ?? 'node');
  const name = /^(cli\.[tj]s|speech-archive(\.js)?)$/.test(script) ? 'speech-archive' : script;
  return [name, ...process.argv.slice(2)].join(' ').slice(0, 200);
}
