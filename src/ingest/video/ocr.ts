/**
 * Reading the text on a keyframe. The port is one call per image, returning words with their confidence; the
 * adapter is tesseract.js (WASM, in a worker thread) with language data from npm (`@tesseract.js-data/<code>`),
 * so nothing is fetched at run time. `screenText` is the filter that keeps OCR junk out of the index.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { AppError, type Config } from '../../core/index.js';

export interface OcrWord {
  text: string;
  /** 0-100. */
  confidence: number;
}

export interface OcrEngine {
  readonly name: string;
  /** The words read off an image file, in reading order. */
  read(image: string): Promise<OcrWord[]>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** The offline language data of each code: the package's folder of `<code>.traineddata(.gz)` and whether it is gzipped. */
export function languageData(codes: string[]): { langPath: string; gzip: boolean } {
  const found = codes.map((code) => {
    let pkg: { gzip: boolean; langPath: string };
    try {
      const { gzip, langPath } = require(`@tesseract.js-data/${code}`) as typeof pkg;
      pkg = { gzip, langPath };
    } catch {
      throw new AppError('engine_unavailable', `OCR language "${code}" is not installed: npm install @tesseract.js-data/${code} (or change OCR_LANGS)`);
    }
    return { code, ...pkg };
  });
  const gzip = found[0].gzip;
  if (found.some((f) => f.gzip !== gzip)) throw new AppError('engine_unavailable', `OCR_LANGS mixes gzipped and plain language data: ${codes.join('+')}`);
  if (new Set(found.map((f) => f.langPath)).size === 1) return { langPath: found[0].langPath, gzip };
  // tesseract.js reads every language from one folder: several packages' files are linked into one.
  const ext = gzip ? '.traineddata.gz' : '.traineddata';
  const dir = path.join(os.tmpdir(), `sa-tessdata-${createHash('sha1').update(found.map((f) => f.langPath).join('\n')).digest('hex').slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  for (const f of found) {
    const link = path.join(dir, f.code + ext);
    if (!existsSync(link)) symlinkSync(path.join(f.langPath, f.code + ext), link);
  }
  return { langPath: dir, gzip };
}

/** tesseract.js, page segmentation for sparse text (titles, lower thirds and captions scattered over a frame). */
export async function tesseractEngine(langs: string): Promise<OcrEngine> {
  const codes = langs.split('+');
  const { langPath, gzip } = languageData(codes);
  const { createWorker, OEM, PSM } = await import('tesseract.js');
  // cacheMethod none: the data is read from the package, never copied into the working directory.
  const worker = await createWorker(codes, OEM.LSTM_ONLY, { langPath, gzip, cacheMethod: 'none' });
  // A fixed resolution: left to estimate it, tesseract prints its estimate to stderr for every frame.
  await worker.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT, user_defined_dpi: '300' });
  return {
    name: `tesseract:${langs}`,
    async read(image) {
      const { data } = await worker.recognize(image, {}, { blocks: true, text: false });
      return (data.blocks ?? []).flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words.map((w) => ({ text: w.text, confidence: w.confidence })))));
    },
    async close() {
      await worker.terminate();
    },
  };
}

/** The configured engine, or null with OCR=off. */
export async function createOcrEngine(cfg: Pick<Config, 'OCR' | 'OCR_LANGS'>): Promise<OcrEngine | null> {
  return cfg.OCR === 'off' ? null : tesseractEngine(cfg.OCR_LANGS);
}

const ALNUM = /[\p{L}\p{N}]/gu;
/** A frame whose kept words hold fewer letters and digits than this has no text worth indexing. */
const MIN_FRAME_CHARS = 3;

/** A lone digit ("Part 2") is kept when read this surely at least: edges and bars are read as 1 or l. */
const LONE_DIGIT_CONFIDENCE = 85;

/**
 * The text of a frame as indexed: the words read with at least `minConfidence`, of two or more letters or
 * digits that make up most of the word, or a lone digit read surely (tesseract reads textures and edges as
 * runs of punctuation and single letters, confidently enough). '' when what is left is too little to search for.
 */
export function screenText(words: OcrWord[], minConfidence: number): string {
  const kept = words
    .map((w) => ({ text: w.text.trim(), confidence: w.confidence }))
    .filter((w) => {
      if (w.confidence < minConfidence) return false;
      if (/^\d$/.test(w.text)) return w.confidence >= Math.max(minConfidence, LONE_DIGIT_CONFIDENCE);
      const alnum = w.text.match(ALNUM)?.length ?? 0;
      return alnum >= 2 && alnum / w.text.length >= 0.5;
    })
    .map((w) => w.text);
  const text = kept.join(' ');
  return (text.match(ALNUM)?.length ?? 0) >= MIN_FRAME_CHARS ? text : '';
}
