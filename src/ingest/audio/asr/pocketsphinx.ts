/**
 * CMU PocketSphinx through its command-line program: the offline engine that needs no model download
 * (Debian: `apt-get install pocketsphinx pocketsphinx-en-us`). Accuracy is far below Whisper, but it gives
 * real word times and posteriors, which is what the pipeline, its tests and the search index need.
 *
 * Two CLIs exist:
 *  - 5prealpha (Debian bookworm, Ubuntu ≤ 24.04): `pocketsphinx_continuous -infile x.wav -time yes` prints a
 *    hypothesis line per utterance then `word start end posterior` lines (fillers like <s>, <sil>, [NOISE]).
 *  - 5.x (Debian trixie, pip): `pocketsphinx single x.wav` prints JSON `{"t":..., "w":[{"t","b","d","p"}]}`.
 * Whichever is on PATH is used (5.x first). Each chunk goes through a temp WAV because both only read files.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Word, AppError, toMilliseconds } from '../../../core/index.js';
import { SAMPLE_RATE, encodeWav } from '../decode.js';
import { type AsrEngine, type AsrOptions, type AsrResult, tidyWords } from './port.js';

export type PocketsphinxCli = 'pocketsphinx5' | 'continuous';

export interface PocketsphinxOptions {
  /** Acoustic model dir, language model and dictionary; default: the ones the package was built with (en-us). */
  hmm?: string;
  lm?: string;
  dict?: string;
  /** Force a CLI flavour instead of detecting it. */
  cli?: PocketsphinxCli;
}

export const INSTALL_HINT = 'install the Debian packages pocketsphinx and pocketsphinx-en-us (apt-get install -y pocketsphinx pocketsphinx-en-us)';

export function which(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export function detectCli(): { cli: PocketsphinxCli; bin: string } | null {
  const v5 = which('pocketsphinx');
  if (v5) return { cli: 'pocketsphinx5', bin: v5 };
  const old = which('pocketsphinx_continuous');
  return old ? { cli: 'continuous', bin: old } : null;
}

/** <s>, </s>, <sil>, [NOISE], ++UH++ are silence and noise models, not words. */
const FILLER = /^(<.*>|\[.*\]|\+\+.*\+\+)$/;
/** `read(2)`: the second pronunciation of "read" in the dictionary. */
const cleanWord = (t: string) => t.replace(/\(\d+\)$/, '');

/** Parses `pocketsphinx_continuous -time yes` output. Hypothesis lines have no numbers and are skipped. */
export function parseContinuousOutput(stdout: string): Word[] {
  const words: Word[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)$/.exec(line.trim());
    if (!m || FILLER.test(m[1])) continue;
    const start = Number(m[2]);
    // End times are the last frame's start; add one 10 ms frame so adjacent words touch.
    words.push({ text: cleanWord(m[1]), start, end: toMilliseconds(Number(m[3]) + 0.01), confidence: clamp01(Number(m[4])) });
  }
  return words;
}

/** Parses pocketsphinx 5 JSON lines (`b` begin, `d` duration, `p` probability, `t` text). */
export function parseJsonOutput(stdout: string): Word[] {
  const words: Word[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const j = JSON.parse(line) as { w?: { t: string; b: number; d: number; p?: number }[] };
    for (const w of j.w ?? []) {
      if (FILLER.test(w.t)) continue;
      words.push({ text: cleanWord(w.t), start: w.b, end: toMilliseconds(w.b + w.d), confidence: clamp01(w.p ?? 1) });
    }
  }
  return words;
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export class PocketsphinxEngine implements AsrEngine {
  readonly name = 'pocketsphinx' as const;
  readonly punctuated = false;
  readonly maxChunkS = 600; // no model limit; long chunks only cost memory in the decoder's lattice
  readonly model: string;
  private readonly cli: PocketsphinxCli;
  private readonly bin: string;

  constructor(private readonly o: PocketsphinxOptions = {}) {
    const found = detectCli();
    if (!found) throw new AppError('engine_unavailable', `ASR_ENGINE=pocketsphinx: no pocketsphinx program on PATH; ${INSTALL_HINT}`);
    this.cli = o.cli ?? found.cli;
    this.bin = o.cli && o.cli !== found.cli ? (o.cli === 'continuous' ? 'pocketsphinx_continuous' : 'pocketsphinx') : found.bin;
    this.model = `pocketsphinx:${o.hmm ? path.basename(o.hmm) : 'en-us'}`;
  }

  private args(wav: string): string[] {
    const model: string[] = [];
    if (this.cli === 'continuous') {
      if (this.o.hmm) model.push('-hmm', this.o.hmm);
      if (this.o.lm) model.push('-lm', this.o.lm);
      if (this.o.dict) model.push('-dict', this.o.dict);
      return ['-infile', wav, '-time', 'yes', '-samprate', String(SAMPLE_RATE), ...model];
    }
    if (this.o.hmm) model.push('-hmm', this.o.hmm);
    if (this.o.lm) model.push('-lm', this.o.lm);
    if (this.o.dict) model.push('-dict', this.o.dict);
    return [...model, 'single', wav];
  }

  async transcribe(pcm: Float32Array, opts: AsrOptions = {}): Promise<AsrResult> {
    opts.signal?.throwIfAborted();
    const durationS = pcm.length / SAMPLE_RATE;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'asr-ps-'));
    try {
      const wav = path.join(dir, 'chunk.wav');
      await writeFile(wav, encodeWav(pcm));
      const out = await runCli(this.bin, this.args(wav), opts.signal);
      const words = tidyWords(this.cli === 'continuous' ? parseContinuousOutput(out) : parseJsonOutput(out), durationS);
      return { words, text: words.map((w) => w.text).join(' ') };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function runCli(bin: string, args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    // The log is hundreds of INFO lines per call: keep only what can explain a failure.
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-16000)));
    const onAbort = () => p.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    p.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new AppError('engine_unavailable', `cannot run ${bin}: ${e.message}; ${INSTALL_HINT}`));
    });
    p.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve(stdout);
      const why = stderr
        .split('\n')
        .filter((l) => /ERROR|FATAL/.test(l))
        .slice(-2)
        .join('; ');
      reject(new AppError('internal', `${path.basename(bin)} failed (exit ${code}): ${why || 'no error message'}`));
    });
  });
}
