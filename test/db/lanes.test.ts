import { afterEach, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/platform/db/pglite.js';
import type { Db } from '../../src/platform/db/port.js';
import { asQueryWork, inBackground } from '../../src/core/lane.js';

describe('embedded database lanes: background statements leave room for query-time work', () => {
  let db: Db | null = null;
  afterEach(async () => {
    await db?.close();
    db = null;
  });

  it('a run of background statements lets timers and sockets in between its statements', async () => {
    db = await openPglite();
    const d = db;
    let done = 0;
    const run = inBackground(async () => {
      for (let i = 0; i < 300; i++) {
        await d.query('SELECT $1::int AS i', [i]);
        done++;
      }
    });
    // A request arriving now is read on the event loop's next turn, not after the whole run.
    const seenAt = await new Promise<number>((r) => setTimeout(() => r(done), 0));
    await run;
    expect(done).toBe(300);
    expect(seenAt).toBeLessThan(300);
  });

  it('a background statement waits while a search is in flight, and goes once it has finished', async () => {
    db = await openPglite();
    const d = db;
    let backgroundAt = 0;
    let searchEndedAt = 0;
    await asQueryWork(async () => {
      // The ingest's next statement is issued while the search is between its own statements.
      void inBackground(() => d.query('SELECT 1')).then(() => (backgroundAt = performance.now()));
      await d.query('SELECT 2');
      await new Promise((r) => setTimeout(r, 150)); // the search's embedding, fusion, rendering
      await d.query('SELECT 3');
      searchEndedAt = performance.now();
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(backgroundAt).toBeGreaterThan(0);
    expect(backgroundAt).toBeGreaterThanOrEqual(searchEndedAt);
  });

  it('background work is held back by searches for a bounded time only', async () => {
    db = await openPglite();
    const d = db;
    let backgroundAt = 0;
    const t0 = performance.now();
    const search = asQueryWork(() => new Promise((r) => setTimeout(r, 3000)));
    await inBackground(() => d.query('SELECT 1'));
    backgroundAt = performance.now() - t0;
    await search;
    expect(backgroundAt).toBeLessThan(2000);
  });
});
