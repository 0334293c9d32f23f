/** What of OCR output is indexed, and how keyframes become screen moments: junk and repeats kept out. */
import { describe, expect, it } from 'vitest';
import { capPerMinute, selectExpression } from '../../src/ingest/video/keyframes.js';
import { languageData, screenText } from '../../src/ingest/video/ocr.js';
import { SCREEN_SPAN_S, screenMoments } from '../../src/ingest/video/screen.js';

const w = (text: string, confidence = 95) => ({ text, confidence });

describe('screenText: the OCR filter', () => {
  it('keeps confident words of two or more letters or digits', () => {
    expect(screenText([w('Mayor'), w('Ana'), w('Ruiz,'), w('12'), w('May'), w('1987')], 60)).toBe('Mayor Ana Ruiz, 12 May 1987');
  });

  it('drops low-confidence words, single characters and punctuation runs', () => {
    expect(screenText([w('HARBOUR'), w('COUNCIL'), w('ll|', 30), w('a'), w('—'), w('.:;'), w('|I')], 60)).toBe('HARBOUR COUNCIL');
  });

  it('keeps a lone digit only when read surely', () => {
    expect(screenText([w('Part'), w('2', 92)], 60)).toBe('Part 2');
    expect(screenText([w('Part'), w('1', 70)], 60)).toBe('Part');
  });

  it('gives nothing for a frame of junk', () => {
    expect(screenText([w('~', 90), w('Ww', 20), w('iI', 40)], 60)).toBe('');
    expect(screenText([w('ab')], 60)).toBe(''); // too little to search for
    expect(screenText([], 60)).toBe('');
  });
});

describe('screenMoments', () => {
  it('makes one moment per run of frames with the same text, until the next frame or SCREEN_SPAN_S', () => {
    const ms = screenMoments('r', [
      { n: 0, at: 0, text: 'HARBOUR COUNCIL' },
      { n: 1, at: 4, text: 'Mayor Ana Ruiz, 12 May 1987' },
      { n: 2, at: 8, text: 'mayor ana ruiz 12 may 1987' },
      { n: 3, at: 30, text: '' },
      { n: 4, at: 40, text: 'THE END' },
    ], 45);
    expect(ms).toEqual([
      { id: 'r#f0', recordingId: 'r', seq: 0, start: 0, end: 4, speakers: [], text: 'HARBOUR COUNCIL', kind: 'screen' },
      { id: 'r#f1', recordingId: 'r', seq: 1, start: 4, end: 8 + SCREEN_SPAN_S, speakers: [], text: 'Mayor Ana Ruiz, 12 May 1987', kind: 'screen' },
      { id: 'r#f4', recordingId: 'r', seq: 4, start: 40, end: 45, speakers: [], text: 'THE END', kind: 'screen' },
    ]);
  });

  it('makes none from frames without text', () => {
    expect(screenMoments('r', [{ n: 0, at: 0, text: '' }], 10)).toEqual([]);
  });
});

describe('keyframe selection', () => {
  it('caps keyframes in any minute, keeping the first of a burst', () => {
    expect(capPerMinute([0, 1, 2, 3, 59, 60, 61, 62], 3)).toEqual([true, true, true, false, false, true, true, true]);
  });

  it('selects the first frame and scene changes after the minimum gap', () => {
    expect(selectExpression(0.3, 2)).toBe('eq(n\\,0)+gt(scene\\,0.3)*gte(t-prev_selected_t\\,2)');
    expect(selectExpression(0.4, 0)).toBe('eq(n\\,0)+gt(scene\\,0.4)');
  });
});

describe('OCR language data', () => {
  it('comes from the installed @tesseract.js-data package, and names the package when missing', () => {
    const eng = languageData(['eng']);
    expect(eng.gzip).toBe(true);
    expect(eng.langPath).toMatch(/@tesseract\.js-data[/\\]eng/);
    expect(() => languageData(['xx'])).toThrow(/npm install @tesseract\.js-data\/xx/);
  });
});
