import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/port.js';
import { UploadStore } from '../../src/archive/uploads.js';
import { STORE_DATABASES } from '../helpers/postgres.js';

const upload = (id: string) => ({
  id,
  blobKey: `uploads/${id}.wav`,
  filename: 'a.wav',
  contentType: 'audio/wav',
  size: 10,
  meta: {},
  expiresAt: new Date(Date.now() + 3600_000).toISOString(),
});
const ID = '00000000-0000-4000-8000-000000000001';

/** Completing one presigned upload from several processes at once: one does it, the others are told it is busy. */
for (const [name, open] of STORE_DATABASES) {
  describe(`upload claims (${name})`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    afterAll(async () => {
      await db?.close();
      await drop?.();
    });

    it('of concurrent claims exactly one wins; a released claim can be taken again; a completed upload says so', async () => {
      ({ db, drop } = await open());
      await migrate(db);
      const store = new UploadStore(db);
      await store.create(upload(ID));
      const claims = await Promise.all(Array.from({ length: 6 }, () => store.claim(ID, 600)));
      expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(5);
      await store.release(ID);
      expect((await store.claim(ID, 600)).kind).toBe('claimed');
      await store.complete(ID, 'rec-1', null);
      const done = await store.claim(ID, 600);
      expect(done.kind).toBe('completed');
      expect(done.kind === 'completed' && done.upload.recording_id).toBe('rec-1');
      expect((await store.claim('00000000-0000-4000-8000-000000000009', 600)).kind).toBe('missing');
    });

    it('a claim whose process died is taken over once it is older than the stale limit', async () => {
      const store = new UploadStore(db);
      const id = '00000000-0000-4000-8000-000000000002';
      await store.create(upload(id));
      expect((await store.claim(id, 600)).kind).toBe('claimed');
      expect((await store.claim(id, 600)).kind).toBe('busy');
      await db.query("UPDATE uploads SET claimed_at = now() - interval '11 minutes' WHERE id = $1", [id]);
      expect((await store.claim(id, 600)).kind).toBe('claimed');
    });
  });
}
