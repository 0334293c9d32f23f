/**
 * Whisper through sherpa-onnx-node (ONNX Runtime, CPU), from a local model directory in sherpa-onnx's layout:
 * `<name>-encoder[.int8].onnx`, `<name>-decoder[.int8].onnx`, `<name>-tokens.txt` — what
 * `npm run download-asr-model` unpacks (e.g. models/sherpa-onnx-whisper-base.en/). Nothing is downloaded here.
 *
 * Word times come from the model's cross-attention (enableTokenTimestamps) when the export has attention
 * outputs; otherwise sherpa returns none and the words are spread over the chunk with a low confidence, so
 * the result is usable but marked approximate.
 */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OfflineRecognizer, OfflineRecognizerResult } from 'sherpa-onnx-node';
import { type Word, AppError, engineSettings, toMilliseconds } from '../../../core/index.js';
import { SAMPLE_RATE } from '../decode.js';
import { type AsrEngine, type AsrOptions, type AsrResult, spreadWords, tidyWords } from './port.js';

export const DEFAULT_WHISPER_DIR = 'models/sherpa-onnx-whisper-base.en';

export interface WhisperOptions {
  /** Default ASR_MODEL_DIR, else models/sherpa-onnx-whisper-base.en. */
  modelDir?: string;
  /** Prefer the int8 files when both exist (≈2x faster on CPU, slightly less accurate). Default true. */
  quantized?: boolean;
  /** Default: cores - 1 (one is left for decoding and diarization). */
  numThreads?: number;
  /** '' lets multilingual models detect it; English-only (.en) models ignore it. */
  language?: string;
}

export interface WhisperFiles {
  encoder: string;
  decoder: string;
  tokens: string;
}

/** Finds the three files in a sherpa-onnx Whisper directory, or explains what is missing. */
export function findWhisperFiles(dir: string, quantized = true): WhisperFiles {
  const hint = `run \`npm run download-asr-model\` on a machine with internet and copy the directory here, or set ASR_MODEL_DIR`;
  if (!existsSync(dir)) throw new AppError('engine_unavailable', `ASR_ENGINE=whisper: no Whisper model directory at ${dir}: ${hint}`);
  const files = readdirSync(dir);
  const pick = (part: 'encoder' | 'decoder') => {
    const fp = files.filter((f) => f.endsWith(`${part}.onnx`) || f.endsWith(`${part}.int8.onnx`));
    const int8 = fp.find((f) => f.endsWith('.int8.onnx'));
    const fp32 = fp.find((f) => !f.endsWith('.int8.onnx'));
    return quantized ? (int8 ?? fp32) : (fp32 ?? int8);
  };
  const encoder = pick('encoder');
  const decoder = pick('decoder');
  const tokens = files.find((f) => f.endsWith('tokens.txt'));
  const missing = [!encoder && '*-encoder.onnx', !decoder && '*-decoder.onnx', !tokens && '*-tokens.txt'].filter(Boolean);
  if (missing.length) throw new AppError('engine_unavailable', `ASR_ENGINE=whisper: ${dir} lacks ${missing.join(', ')}: ${hint}`);
  return { encoder: path.join(dir, encoder!), decoder: path.join(dir, decoder!), tokens: path.join(dir, tokens!) };
}

/** Whisper BPE tokens: a leading space starts a new word; timestamps (when present) are token starts. */
export function wordsFromTokens(r: OfflineRecognizerResult, durationS: number): Word[] {
  const tokens = r.tokens ?? [];
  const ts = r.timestamps ?? [];
  if (!tokens.length || ts.length !== tokens.length) {
    const texts = r.text.trim().split(/\s+/).filter(Boolean);
    return spreadWords(texts, 0, durationS, 0.3);
  }
  const probs = r.ys_log_probs ?? [];
  const words: (Word & { logp: number[] })[] = [];
  tokens.forEach((tok, i) => {
    if (/^<\|.*\|>$/.test(tok)) return; // special tokens
    const startsWord = tok.startsWith(' ') || words.length === 0;
    const p = probs[i] ?? 0;
    if (startsWord) words.push({ text: tok.trim(), start: ts[i], end: ts[i] + (r.durations?.[i] ?? 0), logp: [p] });
    else {
      const w = words[words.length - 1];
      w.text += tok;
      w.end = ts[i] + (r.durations?.[i] ?? 0);
      w.logp.push(p);
    }
  });
  return words.map((w, i) => {
    // Without durations a word ends where the next begins (or at most 1 s later).
    const next = words[i + 1]?.start ?? Math.min(durationS, w.start + 1);
    const end = w.end > w.start ? w.end : next;
    const conf = w.logp.length && probs.length ? Math.exp(w.logp.reduce((a, b) => a + b, 0) / w.logp.length) : undefined;
    return { text: w.text, start: toMilliseconds(w.start), end: toMilliseconds(end), ...(conf !== undefined ? { confidence: conf } : {}) };
  });
}

export class WhisperEngine implements AsrEngine {
  readonly name = 'whisper' as const;
  readonly punctuated = true;
  /** Whisper's encoder sees a fixed 30 s window. */
  readonly maxChunkS = 30;
  readonly model: string;
  private constructor(
    private readonly recognizer: OfflineRecognizer,
    modelDir: string,
  ) {
    this.model = `whisper:${path.basename(modelDir)}`;
  }

  static async load(o: WhisperOptions = {}): Promise<WhisperEngine> {
    const dir = path.resolve(o.modelDir ?? engineSettings().ASR_MODEL_DIR ?? DEFAULT_WHISPER_DIR);
    const files = findWhisperFiles(dir, o.quantized ?? true);
    let sherpa: typeof import('sherpa-onnx-node');
    try {
      sherpa = await import('sherpa-onnx-node');
    } catch (e) {
      throw new AppError('engine_unavailable', `ASR_ENGINE=whisper needs the npm package sherpa-onnx-node (npm install sherpa-onnx-node): ${(e as Error).message}`);
    }
    const Recognizer = (sherpa as unknown as { default?: typeof sherpa }).default?.OfflineRecognizer ?? sherpa.OfflineRecognizer;
    const recognizer = await Recognizer.createAsync({
      featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
      modelConfig: {
        whisper: {
          encoder: files.encoder,
          decoder: files.decoder,
          language: o.language ?? engineSettings().ASR_LANGUAGE ?? '',
          task: 'transcribe',
          tailPaddings: -1,
          enableTokenTimestamps: true,
        },
        tokens: files.tokens,
        numThreads: o.numThreads ?? Math.max(1, os.availableParallelism() - 1),
        provider: 'cpu',
        debug: 0,
      },
      decodingMethod: 'greedy_search',
    });
    return new WhisperEngine(recognizer, dir);
  }

  async transcribe(pcm: Float32Array, opts: AsrOptions = {}): Promise<AsrResult> {
    opts.signal?.throwIfAborted();
    const durationS = pcm.length / SAMPLE_RATE;
    const stream = this.recognizer.createStream();
    stream.acceptWaveform({ samples: pcm, sampleRate: SAMPLE_RATE });
    const r = await this.recognizer.decodeAsync(stream);
    const words = tidyWords(wordsFromTokens(r, durationS), durationS);
    return { words, text: r.text.trim() };
  }
}
