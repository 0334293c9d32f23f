import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { BlobStore, Db, Queryable } from '../platform/index.js';
import { AppError, type CompactReport, type ErrorCode, type LexicalIndex, type Logger, type VectorIndex } from '../core/index.js';
import { BackupManifest, KeyStore, ROLES, auditLog, writeBackupFile, type Services } from '../archive/index.js';
import { CliAsk, CliSearch, runAsk, runSearch, type CliSearchResult } from './research.js';

/**
 * The `keys`, `audit`, `backup`, `compact`, `search` and `ask` commands as requests, so that they run the same way in the CLI's own process or, when
 * a server owns the embedded database (src/platform/db/owner.ts), inside that server: sent over a Unix socket under
 * DATA_DIR that only the archive's user can open (mode 0600 in a 0700 folder), one JSON line each way.
 */
export const AdminRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('keys.create'), name: z.string().min(1).max(200), role: z.enum(ROLES) }),
  z.object({ op: z.literal('keys.list') }),
  z.object({ op: z.literal('keys.revoke'), id: z.string().min(1).max(64) }),
  z.object({ op: z.literal('audit'), limit: z.number().int().min(1).max(10_000) }),
  // Written by the server itself, which alone may read its database; the socket's user is the archive's.
  z.object({ op: z.literal('backup'), file: z.string().min(1).max(4096).refine((f) => path.isAbsolute(f), 'an absolute path') }),
  z.object({ op: z.literal('compact') }),
  z.object({ op: z.literal('search'), params: CliSearch }),
  z.object({ op: z.literal('ask'), params: CliAsk }),
]);
export type AdminRequest = z.infer<typeof AdminRequest>;

const Key = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const Results = {
  'keys.create': z.object({ key: z.string(), record: Key }),
  'keys.list': z.array(Key),
  'keys.revoke': z.boolean(),
  audit: z.array(z.object({ at: z.string(), actor: z.string(), action: z.string(), target: z.string().nullable(), details: z.unknown() })),
  backup: BackupManifest,
  compact: z.object({ bytesBefore: z.number(), bytesAfter: z.number(), rewritten: z.array(z.string()), vectors: z.boolean() }),
  // The server's own search and answer objects, as its API sends them.
  search: z.custom<CliSearchResult>((v) => typeof v === 'object' && v !== null && 'dated' in v && 'out' in v),
  ask: z.custom<Awaited<ReturnType<typeof runAsk>>>((v) => typeof v === 'object' && v !== null && 'answer' in v && 'citations' in v),
};
export type AdminResult<R extends AdminRequest> = z.infer<(typeof Results)[R['op']]>;

/** What a backup and a compaction work on: a server has it, the `keys` commands do not. */
export interface AdminArchive {
  db: Db;
  blobs: BlobStore;
  lexical: LexicalIndex;
  vectors: VectorIndex | null;
  /** The whole of a server's services, for a search or a question. */
  services?: Services;
}

/** What `compact` did: the lexical index's report, and whether the vector index was compacted too. */
export type ArchiveCompaction = CompactReport & { vectors: boolean };

/** Compacts the lexical index, then the vector index (when the archive has one). */
export async function compactArchive(a: Pick<AdminArchive, 'lexical' | 'vectors'>): Promise<ArchiveCompaction> {
  const report = await a.lexical.compact();
  await a.vectors?.compact();
  return { ...report, vectors: a.vectors !== null };
}

/**
 * Runs a request against the database this process has open. A backup needs the whole database and the blob
 * store, a compaction the lexical index (`archive`).
 */
export async function runAdmin<R extends AdminRequest>(keys: KeyStore, db: Queryable, req: R, archive?: AdminArchive): Promise<AdminResult<R>> {
  const result = await (async () => {
    switch (req.op) {
      case 'keys.create':
        return keys.create(req.name, req.role);
      case 'keys.list':
        return keys.list();
      case 'keys.revoke':
        return keys.revoke(req.id);
      case 'audit':
        return auditLog(db, req.limit);
      case 'backup': {
        if (!archive) throw new AppError('bad_request', 'a backup is made by the process that has the archive open');
        const manifest = await writeBackupFile(archive, req.file);
        await keys.audit('cli', 'archive.backup', req.file, manifest.counts);
        return manifest;
      }
      case 'compact': {
        if (!archive) throw new AppError('bad_request', 'a compaction is run by the process that has the archive open');
        const report = await compactArchive(archive);
        await keys.audit('cli', 'archive.compact', null, report);
        return report;
      }
      case 'search':
      case 'ask': {
        const s = archive?.services;
        if (!s) throw new AppError('bad_request', `a ${req.op} is run by the process that has the archive open`);
        return req.op === 'search' ? runSearch(s, req.params) : runAsk(s, req.params);
      }
    }
  })();
  return result as AdminResult<R>;
}

/** Where a server listens for admin requests: short, since a socket path is limited to about 100 bytes. */
export const adminSocketPath = (dataDir: string) => path.join(dataDir, 'run', 'admin.sock');

const MAX_LINE = 64 * 1024;

/** How long the CLI waits for a backup or a compaction of a large archive: minutes; the server answers when done. */
export const ARCHIVE_WORK_TIMEOUT_MS = 6 * 3600_000;

/**
 * Serves admin requests with the server's own KeyStore, so a key revoked this way is refused at once. Only the
 * owner of the embedded database calls this, so a socket file left by a killed server can be replaced.
 */
export async function serveAdmin(
  socket: string,
  keys: KeyStore,
  db: Queryable,
  log: Logger,
  archive?: AdminArchive,
): Promise<{ close(): Promise<void> }> {
  fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(socket), 0o700);
  fs.rmSync(socket, { force: true });
  const server = net.createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => {});
    // A client that never finishes its line must not hold the server's shutdown.
    conn.setTimeout(30_000, () => conn.destroy());
    const reply = (r: unknown) => {
      conn.removeAllListeners('data');
      conn.pause();
      conn.end(`${JSON.stringify(r)}\n`);
    };
    conn.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_LINE) reply(failure('bad_request', 'request too large'));
        return;
      }
      const line = buf.slice(0, nl);
      conn.removeAllListeners('data');
      // The request is in: answering it may take long (a backup), which is not a client gone quiet.
      conn.setTimeout(0);
      void answer(line).then(reply);
    });
  });
  const answer = async (line: string) => {
    let parsed: z.ZodSafeParseResult<AdminRequest>;
    try {
      parsed = AdminRequest.safeParse(JSON.parse(line));
    } catch {
      return failure('bad_request', 'not JSON');
    }
    if (!parsed.success) return failure('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
    try {
      const result = await runAdmin(keys, db, parsed.data, archive);
      log.info({ op: parsed.data.op }, 'admin request from the command line');
      return { ok: true, result };
    } catch (err) {
      if (err instanceof AppError) return failure(err.code, err.message);
      log.error({ err, op: parsed.data.op }, 'admin request failed');
      return failure('internal', 'internal error; see the server log');
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Other users cannot open it even in the moment before the chmod: the folder is 0700.
    server.listen(socket, () => resolve());
  });
  fs.chmodSync(socket, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

const failure = (code: ErrorCode, message: string) => ({ ok: false as const, error: { code, message } });

const Reply = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

/** Sends a request to the server listening on `socket`; its errors come back as AppErrors with their codes. */
export async function sendAdmin<R extends AdminRequest>(socket: string, req: R, timeoutMs = 30_000): Promise<AdminResult<R>> {
  const line = await new Promise<string>((resolve, reject) => {
    const conn = net.createConnection(socket);
    let buf = '';
    conn.setEncoding('utf8');
    conn.setTimeout(timeoutMs, () => conn.destroy(new AppError('engine_unavailable', `the server did not answer on ${socket}`)));
    conn.on('connect', () => conn.write(`${JSON.stringify(req)}\n`));
    conn.on('data', (chunk: string) => (buf += chunk));
    conn.on('end', () => resolve(buf));
    conn.on('error', (err) =>
      reject(err instanceof AppError ? err : new AppError('engine_unavailable', `cannot reach the server on ${socket}: ${err.message}`)),
    );
  });
  let reply: z.infer<typeof Reply>;
  try {
    reply = Reply.parse(JSON.parse(line));
  } catch {
    throw new AppError('upstream_error', `the server on ${socket} gave an answer that is not one`);
  }
  if (!reply.ok) throw new AppError(asCode(reply.error.code), reply.error.message);
  const result = Results[req.op].safeParse(reply.result);
  if (!result.success) throw new AppError('upstream_error', `the server on ${socket} gave an answer that is not one`);
  return result.data as AdminResult<R>;
}

const asCode = (code: string): ErrorCode => (['bad_request', 'not_found', 'conflict', 'forbidden'].includes(code) ? (code as ErrorCode) : 'upstream_error');
