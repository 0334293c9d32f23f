import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveStore } from '../../src/archive/archive.js';
import { SpeakerStore } from '../../src/archive/speakers.js';
import { migrate } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/port.js';
import { STORE_DATABASES } from '../helpers/postgres.js';

const meta = (id: string) => ({ id, title: `Title ${id}`, recordedAt: '1987-03-12', collection: null, language: 'en', source: null });
const cue = (start: number, speaker: string, text = 'words') => ({ start, end: start + 10, speaker, text });
const moment = (id: string, seq: number, start: number, speakers: string[]) => ({ id: `${id}#${seq}`, recordingId: id, seq, start, end: start + 20, speakers, text: 'words' });

for (const [where, open] of STORE_DATABASES) {
  describe(`SpeakerStore on ${where} (migration 014)`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let archive: ArchiveStore;
    let store: SpeakerStore;
    beforeAll(async () => {
      ({ db, drop } = await open());
      expect(await migrate(db)).toContain('014_speaker_names.sql');
      archive = new ArchiveStore(db);
      store = new SpeakerStore(db);
      for (const id of ['r1', 'r2']) {
        await archive.upsert(meta(id), { status: 'ready' });
        await archive.replaceContent(id, {
          cues: [cue(0, 'SPEAKER_00'), cue(10, 'SPEAKER_01'), cue(20, 'SPEAKER_00'), cue(30, 'SPEAKER_02')],
          moments: [moment(id, 0, 0, ['SPEAKER_00', 'SPEAKER_01']), moment(id, 1, 20, ['SPEAKER_00', 'SPEAKER_02'])],
          durationS: 40,
        });
      }
    });
    afterAll(async () => {
      await db?.close();
      await drop?.();
    });

    it('names labels of one recording: segments keep their label, moments and the speakers table show the name', async () => {
      await store.applyNames('r1', [{ label: 'SPEAKER_00', name: 'Margaret Hale' }], [{ id: 'r1#0', speakers: ['Margaret Hale', 'SPEAKER_01'] }]);
      expect(await store.names('r1')).toEqual(new Map([['SPEAKER_00', 'Margaret Hale']]));
      expect(await store.names('r2')).toEqual(new Map());
      const segs = await archive.segments('r1');
      expect(segs.map((s) => [s.speaker, s.label])).toEqual([
        ['Margaret Hale', 'SPEAKER_00'],
        ['SPEAKER_01', undefined],
        ['Margaret Hale', 'SPEAKER_00'],
        ['SPEAKER_02', undefined],
      ]);
      expect((await archive.moments('r1')).map((m) => m.speakers)).toEqual([['Margaret Hale', 'SPEAKER_01'], ['SPEAKER_00', 'SPEAKER_02']]);
      expect((await archive.get('r1'))!.speakers!.sort()).toEqual(['Margaret Hale', 'SPEAKER_01', 'SPEAKER_02']);
      expect(await store.ofRecording('r1')).toEqual([
        { label: 'SPEAKER_00', name: 'Margaret Hale', named: true, seconds: 20, turns: 2 },
        { label: 'SPEAKER_01', name: 'SPEAKER_01', named: false, seconds: 10, turns: 1 },
        { label: 'SPEAKER_02', name: 'SPEAKER_02', named: false, seconds: 10, turns: 1 },
      ]);
    });

    it('writes segments that come back with their label as they were (a re-ingest written back)', async () => {
      const segs = await archive.segments('r1');
      await archive.replaceContent('r1', { cues: segs, moments: await archive.moments('r1'), durationS: 40 });
      expect(await archive.segments('r1')).toEqual(segs);
      expect((await store.ofRecording('r1'))[0]).toMatchObject({ label: 'SPEAKER_00', name: 'Margaret Hale' });
    });

    it('merges by giving two labels one name, and a name equal to the label drops it', async () => {
      await store.applyNames('r1', [{ label: 'SPEAKER_02', name: 'Margaret Hale' }], []);
      expect((await store.ofRecording('r1')).map((x) => [x.label, x.name])).toEqual([
        ['SPEAKER_00', 'Margaret Hale'],
        ['SPEAKER_01', 'SPEAKER_01'],
        ['SPEAKER_02', 'Margaret Hale'],
      ]);
      expect((await archive.get('r1'))!.speakers!.sort()).toEqual(['Margaret Hale', 'SPEAKER_01']);
      await store.applyNames('r1', [{ label: 'SPEAKER_02', name: 'SPEAKER_02' }], []);
      expect(await store.names('r1')).toEqual(new Map([['SPEAKER_00', 'Margaret Hale']]));
      expect((await archive.segments('r1'))[3]).toEqual({ start: 30, end: 40, speaker: 'SPEAKER_02', text: 'words' });
    });

    it('lists speakers archive-wide by name (any case one speaker), with a literal prefix filter and paging', async () => {
      await store.applyNames('r2', [{ label: 'SPEAKER_01', name: 'margaret hale' }], []);
      const all = await store.list({ limit: 50, offset: 0 });
      expect(all.total).toBe(4);
      expect(all.items.map((x) => [x.name.toLowerCase(), x.recordings, x.seconds, x.turns])).toEqual([
        ['margaret hale', 2, 30, 3],
        ['speaker_00', 1, 20, 2],
        ['speaker_01', 1, 10, 1],
        ['speaker_02', 2, 20, 2],
      ]);
      expect((await store.list({ q: 'SPEAKER_0', limit: 50, offset: 0 })).total).toBe(3);
      // `_` and `%` are the name's characters, not wildcards.
      expect((await store.list({ q: 'SPEAKER%', limit: 50, offset: 0 })).total).toBe(0);
      expect((await store.list({ q: 'speakerX', limit: 50, offset: 0 })).total).toBe(0);
      const page = await store.list({ limit: 2, offset: 2 });
      expect(page).toMatchObject({ total: 4 });
      expect(page.items.map((x) => x.name)).toEqual(['SPEAKER_01', 'SPEAKER_02']);
    });

    it('gives one speaker’s recordings, most talk first, and null for a name nobody has', async () => {
      const found = await store.recordingsOf('MARGARET HALE', { limit: 10, offset: 0 });
      expect(found!.speaker).toMatchObject({ recordings: 2, seconds: 30, turns: 3 });
      expect(found!.items).toEqual([
        { recordingId: 'r1', title: 'Title r1', recordedAt: '1987-03-12', seconds: 20, turns: 2 },
        { recordingId: 'r2', title: 'Title r2', recordedAt: '1987-03-12', seconds: 10, turns: 1 },
      ]);
      expect((await store.recordingsOf('margaret hale', { limit: 1, offset: 1 }))!.items.map((r) => r.recordingId)).toEqual(['r2']);
      expect(await store.recordingsOf('Nobody', { limit: 10, offset: 0 })).toBeNull();
    });

    it('forgets the names with the recording', async () => {
      await archive.delete('r2');
      const [{ n }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM speaker_names WHERE recording_id = 'r2'");
      expect(n).toBe(0);
    });
  });
}
