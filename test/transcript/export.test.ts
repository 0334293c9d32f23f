import { describe, expect, it } from 'vitest';
import type { Cue } from '../../src/core/domain.js';
import { AppError } from '../../src/core/errors.js';
import { contentTypeFor, exportTranscript, parseTranscript, type ExportFormat } from '../../src/ingest/formats/index.js';

const META = { id: 'rec-1', title: 'Budget --> review\nmeeting' };
const CUES: Cue[] = [
  {
    start: 0.5,
    end: 2.25,
    text: 'Costs & <benefits> --> now',
    speaker: 'The Acting Chair (Mr. Bruce Stanton)',
    words: [
      { start: 0.5, end: 1, text: 'Costs', confidence: 0.9, speaker: 'The Acting Chair (Mr. Bruce Stanton)' },
      { start: 1, end: 2.25, text: '&', confidence: 0.5 },
    ],
  },
  { start: 3, end: 4, text: 'No speaker here.' },
  { start: 3723.4567, end: 3725, text: 'Later on.', speaker: 'Q&A <Host>' },
];

describe('exportTranscript', () => {
  it('writes WebVTT with escaped voice spans', () => {
    const vtt = exportTranscript('vtt', CUES, META);
    expect(vtt).toBe(
      [
        'WEBVTT',
        '',
        'NOTE Budget -> review meeting (rec-1)',
        '',
        '00:00:00.500 --> 00:00:02.250',
        '<v The Acting Chair (Mr. Bruce Stanton)>Costs &amp; &lt;benefits&gt; --&gt; now</v>',
        '',
        '00:00:03.000 --> 00:00:04.000',
        'No speaker here.',
        '',
        '01:02:03.457 --> 01:02:05.000',
        '<v Q&amp;A &lt;Host&gt;>Later on.</v>',
        '',
      ].join('\n'),
    );
  });

  it('writes SRT with speaker prefixes', () => {
    expect(exportTranscript('srt', CUES.slice(0, 2), META)).toBe(
      '1\n00:00:00,500 --> 00:00:02,250\nThe Acting Chair (Mr. Bruce Stanton): Costs & <benefits> --> now\n\n2\n00:00:03,000 --> 00:00:04,000\nNo speaker here.\n',
    );
  });

  it('writes plain text lines', () => {
    expect(exportTranscript('txt', CUES, META)).toBe(
      '[00:00:00] The Acting Chair (Mr. Bruce Stanton): Costs & <benefits> --> now\n[00:00:03] No speaker here.\n[01:02:03] Q&A <Host>: Later on.\n',
    );
  });

  it('writes JSON with id, title and segments', () => {
    const doc = JSON.parse(exportTranscript('json', CUES, META));
    expect(doc.id).toBe('rec-1');
    expect(doc.title).toBe(META.title);
    expect(doc.segments[1]).toEqual({ start: 3, end: 4, speaker: null, text: 'No speaker here.' });
    expect(doc.segments[0].words).toEqual(CUES[0].words);
  });

  it('round-trips through the parsers', () => {
    const withoutWords = CUES.map(({ words: _w, ...c }) => ({ ...c, start: Math.round(c.start * 1000) / 1000 }));
    expect(parseTranscript('r.vtt', exportTranscript('vtt', CUES, META))).toEqual(withoutWords);
    expect(parseTranscript('r.json', exportTranscript('json', CUES, META))).toEqual(CUES);
    // SRT has no escaping, so only names that read as names come back as speakers.
    const srtable = withoutWords.slice(0, 2);
    expect(parseTranscript('r.srt', exportTranscript('srt', srtable, META))).toEqual(srtable);
  });

  it('round-trips a dev-style transcript through every importable format', () => {
    const cues: Cue[] = Array.from({ length: 30 }, (_, i) => ({
      start: i * 2.5,
      end: i * 2.5 + 2.25,
      text: `Turn ${i} , with the corpus's own tokenisation .`,
      speaker: ['Project Manager', 'PhD D', 'Lynne Neagle AM'][i % 3],
    }));
    for (const format of ['vtt', 'srt', 'json'] as const) {
      expect(parseTranscript(`dev.${format}`, exportTranscript(format, cues, META)), format).toEqual(cues);
    }
  });

  it('names content types and rejects unknown formats', () => {
    expect(contentTypeFor('vtt')).toBe('text/vtt; charset=utf-8');
    expect(contentTypeFor('srt')).toBe('application/x-subrip; charset=utf-8');
    expect(contentTypeFor('txt')).toBe('text/plain; charset=utf-8');
    expect(contentTypeFor('json')).toBe('application/json; charset=utf-8');
    expect(() => contentTypeFor('pdf' as ExportFormat)).toThrow(AppError);
    expect(() => exportTranscript('pdf' as ExportFormat, CUES, META)).toThrow(/unknown export format "pdf"/);
  });
});
