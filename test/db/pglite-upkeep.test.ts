import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { WalCheckpointer } from '../../src/platform/db/checkpoint.js';
import { openPglite } from '../../src/platform/db/pglite.js';
import type { Db } from '../../src/platform/db/port.js';

// A single-user PGlite backend never checkpoints by itself: without this its WAL grows with every write.
describe('WalCheckpointer on an on-disk PGlite', () => {
  let dir: string;
  let db: Db;
  const never = 1e9;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
    db = await openPglite(dir, { checkpoints: { intervalMs: never, maxWalBytes: never, timeoutMs: never } });
    await db.exec('CREATE TABLE filler (id serial PRIMARY KEY, body text)');
  });
  afterAll(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (mb: number) => db.query(`INSERT INTO filler (body) SELECT repeat(md5(g::text), 32) FROM generate_series(1, ${mb * 1000}) g`);

  it('checkpoints once the WAL written since the last checkpoint passes the limit, and not before', async () => {
    const c = new WalCheckpointer(db, { intervalMs: never, maxWalBytes: 8 * 2 ** 20, timeoutMs: never });
    await c.tick(); // whatever the migrations left
    await write(2);
    expect(await c.pendingWalBytes()).toBeGreaterThan(2 * 2 ** 20);
    expect(await c.tick()).toBe(false);
    await write(10);
    expect(await c.tick()).toBe(true);
    expect(await c.pendingWalBytes()).toBeLessThan(64 * 1024);
    expect(c.checkpoints).toBe(1);
  });

  it('checkpoints a little WAL once the timeout has passed, and an idle database not at all', async () => {
    const c = new WalCheckpointer(db, { intervalMs: never, maxWalBytes: never, timeoutMs: 0 });
    await write(1);
    expect(await c.tick()).toBe(true);
    expect(await c.tick()).toBe(false);
  });

  it('keeps the WAL directory bounded under sustained writes', async () => {
    const c = new WalCheckpointer(db, { intervalMs: never, maxWalBytes: 16 * 2 ** 20, timeoutMs: never });
    const walMB = () => fs.readdirSync(path.join(dir, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f)).length * 16;
    for (let i = 0; i < 25; i++) {
      await write(10);
      await c.tick();
    }
    // ~250 MB of rows and more WAL than that; without checkpoints every segment would still be there.
    expect(walMB()).toBeLessThan(120);
  });

  it('checkpoints by itself during a bulk write that never yields to a timer', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
    const busy = await openPglite(own, { checkpoints: { intervalMs: 0, maxWalBytes: 8 * 2 ** 20, timeoutMs: never } });
    try {
      await busy.exec('CREATE TABLE filler (id serial PRIMARY KEY, body text)');
      const redo = async () => (await busy.query<{ redo: string }>('SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()'))[0].redo;
      const first = await redo();
      for (let i = 0; i < 5; i++) await busy.query(`INSERT INTO filler (body) SELECT repeat(md5(g::text), 32) FROM generate_series(1, 5000) g`);
      expect(await redo()).not.toBe(first);
    } finally {
      await busy.close();
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('sizes the buffer cache of an on-disk database as configured', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
    const sized = await openPglite(own, { sharedBuffers: '48MB' });
    try {
      expect((await sized.query<{ shared_buffers: string }>('SHOW shared_buffers'))[0].shared_buffers).toBe('48MB');
    } finally {
      await sized.close();
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('refuses a buffer cache size that is not a size', () => {
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: 'lots' })).toThrow(/PGLITE_SHARED_BUFFERS.*a size such as 512MB/);
    // PGlite does not start with 2GB of buffers (its memory is 2 GB in all): refused at config, with the reason.
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: '2GB' })).toThrow(/PGLITE_SHARED_BUFFERS.*at most 1536MB/);
    expect(loadConfig({ PGLITE_SHARED_BUFFERS: '1536MB' }).PGLITE_SHARED_BUFFERS).toBe('1536MB');
  });
});
