/**
 * The admin socket a server opens for `keys` and `audit` from the command line: only its user can open it, it
 * runs requests with the server's own KeyStore, and anything but a well-formed request is a typed error.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSocketPath, sendAdmin, serveAdmin } from '../../src/main/admin.js';
import { KeyStore } from '../../src/archive/keys.js';
import { openDatabase, type Db } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/core/log.js';
import { migratedTemplate } from '../helpers/db.js';

describe('the admin socket', () => {
  let dir: string;
  let socket: string;
  let db: Db;
  let keys: KeyStore;
  let admin: { close(): Promise<void> };

  const raw = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const conn = net.createConnection(socket, () => conn.write(text));
      let out = '';
      conn.setEncoding('utf8').on('data', (d: string) => (out += d));
      conn.on('end', () => resolve(out));
      conn.on('error', reject);
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-admin-'));
    socket = adminSocketPath(dir);
    db = await openDatabase({ DATABASE_URL: undefined, dataDir: dir }, { inMemory: true, template: migratedTemplate() });
    keys = new KeyStore(db);
    // A socket file left by a killed server is replaced.
    fs.mkdirSync(path.dirname(socket), { recursive: true });
    fs.writeFileSync(socket, '');
    admin = await serveAdmin(socket, keys, db, createLogger('silent'));
  });
  afterAll(async () => {
    await admin.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('can be opened only by the user who owns the archive', () => {
    expect(fs.statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
  });

  it('runs key commands with the server\'s KeyStore: a key revoked this way is refused at once', async () => {
    const { key, record } = await sendAdmin(socket, { op: 'keys.create', name: 'reading room', role: 'reader' });
    expect(await keys.verify(key)).toMatchObject({ id: record.id, role: 'reader' });
    expect(await sendAdmin(socket, { op: 'keys.list' })).toEqual([expect.objectContaining({ id: record.id, name: 'reading room', revokedAt: null })]);
    expect(await sendAdmin(socket, { op: 'keys.revoke', id: record.id })).toBe(true);
    expect(await keys.verify(key)).toBeNull();
    expect(await sendAdmin(socket, { op: 'keys.revoke', id: record.id })).toBe(false);
    const audit = await sendAdmin(socket, { op: 'audit', limit: 10 });
    expect(audit.map((e) => e.action)).toEqual(['key.revoke', 'key.create']);
  });

  it('answers anything else with a typed error and runs nothing', async () => {
    const before = (await keys.list()).length;
    expect(JSON.parse(await raw('not json\n'))).toEqual({ ok: false, error: { code: 'bad_request', message: 'not JSON' } });
    expect(JSON.parse(await raw('{"op":"keys.create","name":"x","role":"owner"}\n')).error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^role: /) });
    expect(JSON.parse(await raw('{"op":"sql","text":"DROP TABLE api_keys"}\n')).error.code).toBe('bad_request');
    expect(JSON.parse(await raw(`${'x'.repeat(70_000)}`)).error).toEqual({ code: 'bad_request', message: 'request too large' });
    await expect(sendAdmin(socket, { op: 'keys.create', name: '', role: 'reader' })).rejects.toMatchObject({ code: 'bad_request' });
    expect((await keys.list()).length).toBe(before);
  });
});
