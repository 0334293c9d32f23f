import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectTranscriptLanguage } from '../../src/core/language/index.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';
import { ingestTranscript } from '../../src/ingest/transcript.js';
import { searchMoments } from '../../src/retrieval/search.js';
import { migratedTemplate } from '../helpers/db.js';

const sample = (name: string) => readFileSync(new URL(`../../sample/recordings/${name}.vtt`, import.meta.url), 'utf8');

describe('the language of a transcript that names none', () => {
  it('is read from its function words when they tell it clearly', () => {
    expect(detectTranscriptLanguage(sample('oral-history-1979-fabrica-es'))).toBe('es');
    expect(detectTranscriptLanguage(sample('council-1992-hafen-de'))).toBe('de');
    expect(detectTranscriptLanguage(sample('council-1987-housing'))).toBe('en');
    // Too little talk to tell, or two languages half and half.
    expect(detectTranscriptLanguage('Hola, buenos días.')).toBeNull();
    expect(detectTranscriptLanguage(`${'the cat and the dog sat on the mat '.repeat(5)} ${'el gato y el perro en la casa de la '.repeat(5)}`)).toBeNull();
  });

  describe('at ingest', () => {
    let s: Services;
    beforeAll(async () => {
      s = await openServices(loadConfig({ EMBEDDINGS: 'none', DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), { logger: createLogger('silent'), inMemoryDb: true, dbTemplate: migratedTemplate(), embedCacheDir: null });
    });
    afterAll(() => s?.close());
    const ingest = (id: string, content: string, language: string | null = null) =>
      ingestTranscript(s, { meta: { id, title: id, recordedAt: null, collection: null, language, source: null }, fileName: `${id}.vtt`, content });

    it('is recorded, and the talk analysed in it: a Spanish question meets its Spanish stems', async () => {
      await ingest('fabrica', sample('oral-history-1979-fabrica-es'));
      // "trabajaban" is never said: it meets "trabajaba", "trabajamos" … only by the Spanish stem (trabaj).
      const out = await searchMoments(s, { q: '¿Dónde trabajaban?', mode: 'bm25', limit: 3, filters: { recordingId: 'fabrica' } });
      expect(out.results.map((r) => r.highlight).filter((h) => /<mark>[Tt]rabaj\p{L}*<\/mark>/u.test(h))).not.toEqual([]);
      expect((await s.archive.get('fabrica'))?.language).toBe('es');
    });

    it('keeps the language a transcript names, and leaves talk in the default language unnamed', async () => {
      await ingest('hafen-as-named', sample('council-1992-hafen-de'), 'de-DE');
      expect((await s.archive.get('hafen-as-named'))?.language).toBe('de-DE');
      await ingest('housing', sample('council-1987-housing'));
      expect((await s.archive.get('housing'))?.language).toBeNull();
    });
  });
});
