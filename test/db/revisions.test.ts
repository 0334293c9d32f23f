import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/port.js';
import { ArchiveStore } from '../../src/archive/archive.js';
import { RevisionStore } from '../../src/archive/revisions.js';
import type { Moment } from '../../src/core/domain.js';
import { STORE_DATABASES } from '../helpers/postgres.js';

const meta = { id: 'rec', title: 'Old title', recordedAt: '1987-03-12', collection: 'council', language: 'en', source: null };
const cue = (start: number, end: number, speaker: string, text: string) => ({ start, end, speaker, text, words: [{ start, end, text }] });
const moment = (seq: number, text: string, speakers: string[], kind?: 'screen'): Moment => ({
  id: kind ? `rec#f${seq}` : `rec#${seq}`,
  recordingId: 'rec',
  seq,
  start: seq * 10,
  end: seq * 10 + 8,
  speakers,
  text,
  ...(kind ? { kind } : {}),
});

/** Corrections write rows and their revision together: the same on PGlite and on a Postgres server. */
for (const [name, open] of STORE_DATABASES) {
  describe(`revisions (${name})`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let archive: ArchiveStore;
    let revisions: RevisionStore;
    afterAll(async () => {
      await db?.close();
      await drop?.();
    });
    const seen = async () => (await archive.get('rec'))!.updatedAt;

    it('changes a recording and appends its revision in one transaction; a stale read or an unknown line writes nothing', async () => {
      ({ db, drop } = await open());
      await migrate(db);
      archive = new ArchiveStore(db);
      revisions = new RevisionStore(db);
      await archive.upsert(meta, { status: 'ready' });
      await archive.replaceContent('rec', {
        cues: [cue(0, 8, 'A', 'one.'), cue(10, 18, 'B', 'two.'), cue(20, 28, 'A', 'three.')],
        moments: [moment(0, 'one. two.', ['A', 'B']), moment(1, 'three.', ['A']), moment(7, 'SLIDE', [], 'screen')],
        durationS: 28,
      });
      const stale = await seen();
      const row = { title: 'New title', recorded_at: '2003-05-06', collection: null, language: 'de' };
      const r1 = await revisions.apply(
        { recordingId: 'rec', seenUpdatedAt: stale, row },
        { actor: 'cli', target: 'recording', seq: null, before: { title: 'Old title' }, after: { title: 'New title' } },
      );
      expect(r1).toMatchObject({ recordingId: 'rec', actor: 'cli', target: 'recording', seq: null, before: { title: 'Old title' }, revertOf: null });
      expect(await archive.get('rec')).toMatchObject({ title: 'New title', recordedAt: '2003-05-06', collection: null, language: 'de' });

      // Computed from the state before r1: refused, and nothing of it kept.
      await expect(
        revisions.apply({ recordingId: 'rec', seenUpdatedAt: stale, row: { ...row, title: 'Other' } }, { actor: 'cli', target: 'recording', seq: null, before: {}, after: { title: 'Other' } }),
      ).rejects.toMatchObject({ code: 'conflict' });
      const lines = await revisions.segments('rec');
      await expect(
        revisions.apply(
          { recordingId: 'rec', seenUpdatedAt: await seen(), segment: { ...lines[0], seq: 9 } },
          { actor: 'cli', target: 'segment', seq: 9, before: {}, after: { text: 'x' } },
        ),
      ).rejects.toMatchObject({ code: 'not_found' });
      expect((await archive.get('rec'))!.title).toBe('New title');
      expect((await revisions.history('rec')).map((r) => r.rev)).toEqual([r1.rev]);
    });

    it('changes a line, its speakers and the speech moments (screen moments stay); undo puts them back and forgets the revision', async () => {
      const lines = await revisions.segments('rec');
      expect(lines.map((l) => [l.seq, l.speaker, l.text])).toEqual([[0, 'A', 'one.'], [1, 'B', 'two.'], [2, 'A', 'three.']]);
      const oldMoments = await archive.moments('rec');
      const edited = { ...lines[1], speaker: 'A', text: 'deux.', words: null };
      const speech = [moment(0, 'one. deux. three.', ['A'])];
      const write = { recordingId: 'rec', seenUpdatedAt: await seen(), segment: edited, speech };
      const r2 = await revisions.apply(write, { actor: 'key:1 (Ada)', target: 'segment', seq: 1, before: { speaker: 'B', text: 'two.' }, after: { speaker: 'A', text: 'deux.' } });
      expect((await revisions.segments('rec'))[1]).toEqual(edited);
      expect((await archive.moments('rec')).map((m) => [m.id, m.text])).toEqual([['rec#0', 'one. deux. three.'], ['rec#f7', 'SLIDE']]);
      expect((await archive.get('rec'))!.speakers).toEqual(['A']);
      expect((await revisions.history('rec')).map((r) => [r.rev, r.target, r.seq])).toEqual([[r2.rev, 'segment', 1], [expect.any(Number), 'recording', null]]);
      expect(await revisions.get('rec', r2.rev)).toEqual(r2);

      await revisions.undo({ recordingId: 'rec', seenUpdatedAt: await seen(), segment: lines[1], speech: oldMoments.filter((m) => m.kind !== 'screen') }, r2.rev);
      expect(await revisions.segments('rec')).toEqual(lines);
      expect(await archive.moments('rec')).toEqual(oldMoments);
      expect(new Set((await archive.get('rec'))!.speakers)).toEqual(new Set(['A', 'B']));
      expect(await revisions.get('rec', r2.rev)).toBeNull();
      expect((await revisions.history('rec')).length).toBe(1);
    });

    it('goes with its recording', async () => {
      await archive.delete('rec');
      expect(await revisions.history('rec')).toEqual([]);
    });
  });
}
