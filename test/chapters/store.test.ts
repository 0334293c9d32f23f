import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/platform/db/migrate.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import type { Db } from '../../src/platform/db/port.js';
import { ArchiveStore } from '../../src/archive/archive.js';
import { ChapterStore } from '../../src/archive/chapters.js';
import { createScratchDatabase } from '../helpers/postgres.js';

describe('ChapterStore on the local Postgres server (migration 003)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Db;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await openPostgres(scratch.url);
    expect(await migrate(db)).toContain('003_chapters.sql');
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('replaces and lists a recording’s chapters in order, and drops them with the recording', async () => {
    const archive = new ArchiveStore(db);
    const store = new ChapterStore(db);
    const meta = { id: 'rec-1', title: 'A meeting', recordedAt: '1987-03-12', collection: null, language: 'en', source: null };
    await archive.upsert(meta, { status: 'ready' });
    await archive.upsert({ ...meta, id: 'rec-2' }, { status: 'ready' });
    await store.replace('rec-1', [
      { start: 0, end: 300.5, title: 'Budget, Housing', keywords: ['budget', 'housing'] },
      { start: 300.5, end: 912, title: 'XML, Rent Control', keywords: ['XML', 'rent control'] },
    ]);
    await store.replace('rec-2', [{ start: 0, end: 10, title: 'Other', keywords: [] }]);
    expect(await store.list('rec-1')).toEqual([
      { start: 0, end: 300.5, title: 'Budget, Housing', keywords: ['budget', 'housing'] },
      { start: 300.5, end: 912, title: 'XML, Rent Control', keywords: ['XML', 'rent control'] },
    ]);
    await store.replace('rec-1', [{ start: 0, end: 912, title: 'Everything', keywords: ['all'] }]);
    expect(await store.list('rec-1')).toEqual([{ start: 0, end: 912, title: 'Everything', keywords: ['all'] }]);
    await store.replace('rec-1', []);
    expect(await store.list('rec-1')).toEqual([]);
    await archive.delete('rec-2');
    expect(await store.list('rec-2')).toEqual([]);
    await expect(store.replace('no-such-recording', [{ start: 0, end: 1, title: 'x', keywords: [] }])).rejects.toThrow();
  });
});
