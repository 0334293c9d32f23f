import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import type { LexicalIndex } from '../../src/core/lexical-index.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { openServices, type Services } from '../../src/main/services.js';
import { migratedTemplate } from '../helpers/db.js';

const vtt = (who: string[]) =>
  ['WEBVTT', '', ...who.flatMap((w, i) => [`00:00:${String(i * 10).padStart(2, '0')}.000 --> 00:00:${String(i * 10 + 9).padStart(2, '0')}.000`, `<v ${w}>The harbour wall and the housing cooperative, part ${i}.`, ''])].join('\n');
const meta = { id: 'rec', title: 'Rec', recordedAt: '1987-03-12', collection: null, language: 'en', source: null };

describe('ingest applies the stored speaker names (PGlite)', () => {
  let s: Services;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-speakers-ingest-'));
    s = await openServices(loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dir, SAMPLE_ARCHIVE: 'off' }), { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedder: null });
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const found = async (speaker: string) => (await s.lexical.search('harbour', { speaker }, 50)).length;

  it('writes a new version under the names given before, and keeps a name given while it was being written', async () => {
    await ingestTranscript(s, { meta, fileName: 'rec.vtt', content: vtt(['SPEAKER_00', 'SPEAKER_01']) });
    await s.speakers.applyNames('rec', [{ label: 'SPEAKER_00', name: 'Margaret Hale' }], []);

    // A new diarization: three labels now. A name given to SPEAKER_02 lands while the version is being indexed.
    const lexical = s.lexical;
    let once = false;
    s.lexical = new Proxy(lexical, {
      get(target, prop, receiver) {
        if (prop !== 'replaceRecording') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<LexicalIndex['replaceRecording']>) => {
          await target.replaceRecording(...args);
          if (!once) {
            once = true;
            await s.speakers.applyNames('rec', [{ label: 'SPEAKER_02', name: 'Tom Briggs' }], []);
          }
        };
      },
    });
    try {
      await ingestTranscript(s, { meta, fileName: 'rec.vtt', content: vtt(['SPEAKER_00', 'SPEAKER_01', 'SPEAKER_02', 'SPEAKER_00']) });
    } finally {
      s.lexical = lexical;
    }
    expect((await s.archive.segments('rec')).map((c) => [c.speaker, c.label])).toEqual([
      ['Margaret Hale', 'SPEAKER_00'],
      ['SPEAKER_01', undefined],
      ['Tom Briggs', 'SPEAKER_02'],
      ['Margaret Hale', 'SPEAKER_00'],
    ]);
    expect((await s.archive.moments('rec')).flatMap((m) => m.speakers)).not.toContain('SPEAKER_02');
    expect(await found('Tom Briggs')).toBeGreaterThan(0);
    expect(await found('Margaret Hale')).toBeGreaterThan(0);
    expect(await found('SPEAKER_00')).toBe(0);
    expect(await found('SPEAKER_02')).toBe(0);
    expect((await s.archive.get('rec'))!.status).toBe('ready');
  });
});
