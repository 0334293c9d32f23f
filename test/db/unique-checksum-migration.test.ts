import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '../../src/platform/db/migrate.js';
import { openPglite } from '../../src/platform/db/pglite.js';

describe('migration 010: unique recordings.checksum on an archive that already holds a file twice', () => {
  it('keeps the oldest recording on the checksum, clears and audits the others, and refuses new duplicates', async () => {
    // The schema as it was before 010, with the duplicates two processes could store.
    const before = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-mig-'));
    for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((f) => f < '010')) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(before, f));
    const db = await openPglite();
    try {
      await migrate(db, before);
      await db.exec(`
        INSERT INTO recordings (id, title, checksum, created_at) VALUES
          ('first', 'First', 'abc', '2024-01-01'), ('second', 'Second', 'abc', '2024-01-02'),
          ('third', 'Third', 'abc', '2024-01-03'), ('other', 'Other', 'def', '2024-01-01'),
          ('t1', 'Transcript', NULL, '2024-01-01'), ('t2', 'Transcript', NULL, '2024-01-01');
        INSERT INTO jobs (id, kind, recording_id, status, created_at) VALUES
          ('old', 'ingest-media', 'first', 'running', '2024-01-01'), ('new', 'ingest-media', 'first', 'queued', '2024-01-02');`);
      expect(await migrate(db)).toContain('010_unique_checksum.sql');
      const rows = await db.query<{ id: string; checksum: string | null }>('SELECT id, checksum FROM recordings ORDER BY id');
      expect(Object.fromEntries(rows.map((r) => [r.id, r.checksum]))).toEqual({ first: 'abc', second: null, third: null, other: 'def', t1: null, t2: null });
      const audit = await db.query<{ target: string; details: unknown }>("SELECT target, details FROM audit_log WHERE action = 'recording.checksum_cleared' ORDER BY target");
      expect(audit).toEqual([
        { target: 'second', details: { checksum: 'abc', kept_by: 'first' } },
        { target: 'third', details: { checksum: 'abc', kept_by: 'first' } },
      ]);
      const jobs = await db.query<{ id: string; status: string }>('SELECT id, status FROM jobs ORDER BY id');
      expect(jobs).toEqual([{ id: 'new', status: 'queued' }, { id: 'old', status: 'failed' }]);
      await expect(db.query("UPDATE recordings SET checksum = 'abc' WHERE id = 'second'")).rejects.toMatchObject({ code: '23505' });
      await expect(db.query("INSERT INTO jobs (id, kind, recording_id) VALUES ('x', 'ingest-media', 'first')")).rejects.toMatchObject({ code: '23505' });
    } finally {
      await db.close();
      fs.rmSync(before, { recursive: true, force: true });
    }
  });
});
