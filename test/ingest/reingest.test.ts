/**
 * A new version of a ready recording that fails while it is written (a store error after validation) leaves the
 * previous version served: ready, same row, same segments and moments, still found by search. PGlite, no embedder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { loadConfig } from '../../src/core/config.js';
import type { RecordingMeta } from '../../src/core/domain.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { migratedTemplate } from '../helpers/db.js';

const OLD = [
  'WEBVTT',
  '',
  '00:00:01.000 --> 00:00:06.000',
  '<v Chair>The housing cooperative on Mill Street asks the council for a loan guarantee.',
  '',
  '00:00:26.000 --> 00:00:32.000',
  '<v Councillor Alvarez>Rent control and the cooperative model keep the housing affordable.',
  '',
].join('\n');
const NEW = 'WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n<v Harbourmaster>The harbour ferry timetable changes in spring.\n';

const meta = (title: string): RecordingMeta => ({ id: 'council', title, recordedAt: '1987-03-12', collection: 'council', language: 'en', source: 'council.vtt' });

let s: Services;
let dataDir: string;

const found = async (q: string) => (await s.lexical.search(q, {}, 10)).map((h) => h.momentId.split('#')[0]);

/** Everything a reader of the recording sees. */
async function served() {
  const rec = await s.archive.get('council');
  return {
    row: rec && { status: rec.status, title: rec.title, contentHash: rec.contentHash, momentCount: rec.momentCount, speakers: rec.speakers, error: rec.error },
    segments: await s.archive.segments('council'),
    moments: await s.archive.moments('council'),
    cooperative: await found('cooperative'),
    ferry: await found('ferry'),
  };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-reingest-'));
  const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off' });
  s = await openServices(cfg, { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedder: null, embedCacheDir: null });
});
afterAll(async () => {
  await s?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await s.archive.delete('council');
  await s.lexical.deleteRecording('council');
  await ingestTranscript(s, { meta: meta('Council, 12 March 1987'), fileName: 'council.vtt', content: OLD });
});

describe('re-ingest over a ready recording', () => {
  it('a lexical index failure while writing the new version: the previous version is served again', async () => {
    const before = await served();
    expect(before.row).toMatchObject({ status: 'ready', title: 'Council, 12 March 1987', momentCount: 2 });
    expect(before.cooperative).toContain('council');

    const real = s.lexical.replaceRecording.bind(s.lexical);
    let calls = 0;
    s.lexical.replaceRecording = async (id, docs) => {
      // The new version's moments reach the index first: that write fails.
      if (++calls === 1) throw new Error('lexical index unavailable');
      return real(id, docs);
    };
    try {
      await expect(ingestTranscript(s, { meta: meta('Harbour, spring'), fileName: 'council.vtt', content: NEW })).rejects.toThrow('lexical index unavailable');
    } finally {
      s.lexical.replaceRecording = real;
    }
    expect(await served()).toEqual(before);
  });

  it('a database failure while replacing the content: the row (title, status, hash) is as it was', async () => {
    const before = await served();
    const real = s.archive.replaceContent.bind(s.archive);
    s.archive.replaceContent = async () => {
      throw new Error('could not write segments');
    };
    try {
      await expect(ingestTranscript(s, { meta: meta('Harbour, spring'), fileName: 'council.vtt', content: NEW })).rejects.toThrow('could not write segments');
      expect((await s.archive.get('council'))?.status).toBe('ready');
    } finally {
      s.archive.replaceContent = real;
    }
    expect(await served()).toEqual(before);
  });

  it('the same new version, once the store works, replaces the old one', async () => {
    const out = await ingestTranscript(s, { meta: meta('Harbour, spring'), fileName: 'council.vtt', content: NEW });
    expect(out).toMatchObject({ status: 'ingested', moments: 1 });
    const now = await served();
    expect(now.row).toMatchObject({ status: 'ready', title: 'Harbour, spring', momentCount: 1, speakers: ['Harbourmaster'] });
    expect(now.cooperative).not.toContain('council');
    expect(now.ferry).toContain('council');
  });

  it('a recording with no served version is marked failed, with the reason', async () => {
    const real = s.lexical.replaceRecording.bind(s.lexical);
    s.lexical.replaceRecording = async () => {
      throw new Error('lexical index unavailable');
    };
    try {
      await expect(ingestTranscript(s, { meta: { ...meta('New'), id: 'fresh' }, fileName: 'fresh.vtt', content: NEW })).rejects.toThrow();
    } finally {
      s.lexical.replaceRecording = real;
    }
    expect(await s.archive.get('fresh')).toMatchObject({ status: 'failed', error: 'lexical index unavailable' });
  });
});
