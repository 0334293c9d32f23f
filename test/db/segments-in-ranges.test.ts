import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/port.js';
import { ArchiveStore } from '../../src/archive/archive.js';
import { STORE_DATABASES } from '../helpers/postgres.js';

const meta = (id: string) => ({ id, title: id, recordedAt: null, collection: null, language: null, source: null });
const cue = (start: number, end: number, text: string) => ({ start, end, text, speaker: 'A' });

/** The cues a search reads to place its links: the same answer from PGlite and from a Postgres server. */
for (const [name, open] of STORE_DATABASES) {
  describe(`cues in time ranges (${name})`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    afterAll(async () => {
      await db?.close();
      await drop?.();
    });

    it('answers each range with the cues that overlap it, in time order, ranges in the order asked', async () => {
      ({ db, drop } = await open());
      await migrate(db);
      const archive = new ArchiveStore(db);
      for (const id of ['a', 'b#1']) {
        await archive.upsert(meta(id), { status: 'ready' });
        await archive.replaceContent(id, { cues: [cue(0, 10, `${id} one.`), cue(10, 25, `${id} two.`), cue(25, 40, `${id} three.`), cue(300, 310, `${id} late.`)], moments: [], durationS: 310 });
      }
      const out = await archive.segmentsInRanges([
        { recordingId: 'b#1', start: 12, end: 30 },
        { recordingId: 'a', start: 0, end: 5 },
        { recordingId: 'missing', start: 0, end: 100 },
        { recordingId: 'a', start: 200, end: 305 },
      ]);
      expect(out.map((cues) => cues.map((c) => c.text))).toEqual([['b#1 two.', 'b#1 three.'], ['a one.'], [], ['a late.']]);
      expect(out[1][0]).toMatchObject({ start: 0, end: 10, speaker: 'A' });
      expect(await archive.segmentsInRanges([])).toEqual([]);
    });
  });
}
