/** An in-memory database started from a dump of another: what tests start from instead of a new cluster each. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/index.js';
import { openPglite } from '../../src/platform/db/pglite.js';

describe('openDatabase in memory from a dump', () => {
  it('holds what the dumped database held, and is migrated from where it stands', async () => {
    const cfg = { DATABASE_URL: undefined, dataDir: '/nonexistent' };
    const source = await openDatabase(cfg, { inMemory: true });
    await source.query("INSERT INTO recordings (id, title) VALUES ('kept', 'Kept across the dump')");
    const dump = await source.dumpDataDir!();
    await source.close();

    const copy = await openDatabase(cfg, { inMemory: true, template: dump });
    try {
      expect(await copy.query('SELECT id, title FROM recordings')).toEqual([{ id: 'kept', title: 'Kept across the dump' }]);
      const applied = await copy.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(applied[0].n).toBeGreaterThan(10);
    } finally {
      await copy.close();
    }
  });

  it('refuses a dump for a database on disk (loadPgliteDir fills a directory)', async () => {
    await expect(openPglite('/nonexistent/pg', { from: new Blob([]) })).rejects.toThrow(/in-memory database only/);
  });
});
