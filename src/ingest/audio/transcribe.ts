/**
 * Media file → timestamped, speaker-labelled words and cues.
 *
 *   probe ─► analyse (one streaming decode: VAD + diarization features) ─► plan chunks
 *        ─► ASR per chunk (decodeRange + engine, `concurrency` workers)  ∥  diarization
 *        ─► stitch ─► assign speakers ─► cues
 *
 * Memory stays bounded for long files: the analysis pass streams 1 s frames and keeps only VAD regions and
 * compact MFCCs (~14 MB per hour); each ASR worker holds one chunk of PCM (≈2 MB for 36 s). Only the
 * sherpa diarizer needs the whole recording (see diarize/sherpa.ts).
 *
 * Failures are contained where a partial transcript is still worth having: a failed chunk becomes a gap
 * marker (stitch.ts), failed diarization gives 'Unknown speaker'. A file that cannot be decoded, an engine
 * that cannot be created, an abort, or every chunk failing are errors.
 *
 * Each step is also exported on its own (analyseMedia, planMediaChunks, transcribeChunk, diarizeMedia,
 * stitchTranscript) so the job pipeline (ingest/pipeline/) can run them as separate, resumable jobs.
 */
import os from 'node:os';
import pLimit from 'p-limit';
import { type Cue, AppError, engineSettings } from '../../core/index.js';
import { createAsrEngine } from './asr/index.js';
import type { AsrEngine, AsrEngineName, AsrResult } from './asr/port.js';
import { type Chunk, type ChunkPlanOptions, planChunks } from './chunk.js';
import { checkDuration, concatFrames, decodeRange, decodeStream, decodeStreamS16, probeMedia, s16ToF32, type MediaInfo } from './decode.js';
import { type Turn, UNKNOWN_SPEAKER, assignSpeakers } from './diarize/assign.js';
import { BasicDiarizer, type BasicDiarizeOptions } from './diarize/basic.js';
import { SherpaDiarizer } from './diarize/sherpa.js';
import { type SentenceOptions, wordsToCues } from './sentences.js';
import { type ChunkOutcome, type Gap, type StitchResult, type StitchedWord, stitch } from './stitch.js';
import { type Region, StreamingVad, type VadOptions } from './vad.js';

export type Stage = 'probe' | 'analyse' | 'asr' | 'diarize' | 'stitch';
export type DiarizationEngine = 'basic' | 'sherpa' | 'none';

export interface TranscribeMediaOptions {
  /** An engine instance (left open), or a name; default ASR_ENGINE, else pocketsphinx. */
  engine?: AsrEngine | AsrEngineName;
  /** Chunk core length, default 30 s (lowered to fit the engine's window with both overlaps). */
  chunkS?: number;
  /** Audio shared with each neighbouring chunk, default 3 s. */
  overlapS?: number;
  /** Other chunk planning settings (pause snapping, silence skipping): see chunk.ts. */
  plan?: Omit<ChunkPlanOptions, 'chunkS' | 'overlapS'>;
  /** Parallel ASR chunks, default the number of cores. */
  concurrency?: number;
  /** Default DIARIZATION, else basic. */
  diarization?: DiarizationEngine;
  numSpeakers?: number;
  basic?: BasicDiarizeOptions;
  language?: string;
  vad?: VadOptions;
  /** Confidence under which runs of words are flagged. Default 0.3. */
  lowConfidence?: number;
  sentences?: SentenceOptions;
  onProgress?: (stage: Stage, fraction: number) => void;
  signal?: AbortSignal;
  /** Longest media, in seconds (MAX_MEDIA_HOURS): refused by its probed duration, and stopped as it decodes past it. */
  maxS?: number;
}

export interface TranscribeMediaResult {
  cues: Cue[];
  words: StitchedWord[];
  durationS: number;
  speakers: string[];
  regions: Region[];
  turns: Turn[];
  chunks: Chunk[];
  gaps: Gap[];
  lowConfidence: Region[];
  /** Engine and model id, e.g. `pocketsphinx:en-us`. */
  model: string;
  stats: {
    /** Wall-clock seconds; asr and diarize overlap in time. */
    secondsPerStage: Record<Stage, number>;
    /** Total wall-clock time / recording duration. */
    rtf: number;
    chunks: number;
    failedChunks: number;
    diarization: DiarizationEngine | 'failed';
    diarizationError?: string;
  };
}

export interface AnalyseResult {
  info: MediaInfo;
  /** Speech regions found by the VAD. */
  regions: Region[];
  /** Decoded duration (more exact than the container's). */
  durationS: number;
}

/**
 * Probe, then one streaming decode through the VAD. `onFrame` sees every 1 s frame as well (the basic
 * diarizer's features, when diarization runs in the same pass). Progress is the fraction decoded.
 */
export async function analyseMedia(
  file: string,
  o: {
    vad?: VadOptions;
    signal?: AbortSignal;
    onProgress?: (fraction: number) => void;
    onFrame?: (frame: Float32Array) => void;
    /** Every decoded frame as 16-bit PCM, e.g. to store it so later stages need not decode the file again. */
    onPcm?: (frame: Int16Array) => Promise<void> | void;
    /** MAX_MEDIA_HOURS in seconds: refused by the probed duration, and stopped if decoding goes past it. */
    maxS?: number;
  } = {},
): Promise<AnalyseResult> {
  const info = await probeMedia(file);
  checkDuration(info, o.maxS);
  o.signal?.throwIfAborted();
  const vad = await StreamingVad.create(o.vad);
  for await (const pcm of decodeStreamS16(file, { signal: o.signal, maxS: o.maxS })) {
    const frame = s16ToF32(pcm);
    await o.onPcm?.(pcm);
    o.onFrame?.(frame);
    await vad.push(frame);
    o.onProgress?.(info.durationS > 0 ? Math.min(1, vad.durationS / info.durationS) : 0);
  }
  return { info, regions: await vad.finish(), durationS: vad.durationS };
}

/** Chunk plan for an engine: the core length is lowered so core + both overlaps fit the engine's window. */
export function planMediaChunks(
  regions: readonly Region[],
  durationS: number,
  maxChunkS: number,
  o: { chunkS?: number; overlapS?: number; plan?: Omit<ChunkPlanOptions, 'chunkS' | 'overlapS'> } = {},
): Chunk[] {
  const overlapS = o.overlapS ?? 3;
  const chunkS = Math.max(1, Math.min(o.chunkS ?? 30, maxChunkS - 2 * overlapS));
  return planChunks(regions, durationS, { ...o.plan, chunkS, overlapS });
}

/** ASR on one chunk: decode its range (seeking, not from the start) and transcribe it. Throws on failure. */
export async function transcribeChunk(file: string, chunk: Chunk, engine: AsrEngine, o: { language?: string; signal?: AbortSignal } = {}): Promise<AsrResult> {
  o.signal?.throwIfAborted();
  const pcm = await decodeRange(file, chunk.start, chunk.end, o.signal);
  return engine.transcribe(pcm, { language: o.language, signal: o.signal });
}

export function diarizationEngine(value: string | undefined = engineSettings().DIARIZATION): DiarizationEngine {
  const d = (value ?? 'basic') as DiarizationEngine;
  if (!['basic', 'sherpa', 'none'].includes(d)) throw new AppError('bad_request', `DIARIZATION=${d} is not one of basic, sherpa, none`);
  return d;
}

/**
 * Diarization on its own (the pipeline's diarize job, beside the ASR jobs), over `audio`: 1 s frames of the
 * decoded recording (the PCM the decode stage stored), or a media file, which is then decoded again. Basic
 * streams the frames for its features; sherpa needs the whole recording. Null for 'none'. Throws on failure
 * (the caller degrades to 'Unknown speaker').
 */
export async function diarizeMedia(
  audio: string | (() => AsyncIterable<Float32Array>),
  regions: readonly Region[],
  o: { diarization?: DiarizationEngine; numSpeakers?: number; basic?: BasicDiarizeOptions; signal?: AbortSignal } = {},
): Promise<Turn[] | null> {
  const diarization = o.diarization ?? diarizationEngine();
  if (diarization === 'none') return null;
  const frames = typeof audio === 'string' ? () => decodeStream(audio, { signal: o.signal }) : audio;
  if (diarization === 'sherpa') {
    const sherpa = await SherpaDiarizer.load({ numSpeakers: o.numSpeakers });
    return sherpa.diarize(await concatFrames(frames()));
  }
  const basic = new BasicDiarizer({ numSpeakers: o.numSpeakers, ...o.basic });
  for await (const frame of frames()) {
    o.signal?.throwIfAborted();
    basic.push(frame);
  }
  return basic.finish(regions);
}


/** An error when every chunk failed (nothing to stitch); otherwise nothing. */
export function checkChunkOutcomes(outcomes: readonly ChunkOutcome[]): void {
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (outcomes.length > 0 && failed.length === outcomes.length) {
    const first = failed[0].error;
    if (first instanceof AppError) throw first;
    throw new AppError('internal', `ASR failed on every chunk (${outcomes.length}): ${first instanceof Error ? first.message : String(first)}`);
  }
}

/**
 * Per-chunk outcomes + speaker turns → one word stream in recording time, each word with its speaker. Gap
 * markers are not speech: they keep the 'Unknown speaker' label rather than borrowing a turn's.
 */
export function stitchTranscript(outcomes: ChunkOutcome[], turns: readonly Turn[] | null, o: { lowConfidence?: number } = {}): StitchResult {
  const st = stitch(outcomes, { lowConfidence: o.lowConfidence });
  const speech = assignSpeakers(
    st.words.filter((w) => !w.gap),
    turns,
  );
  const words = [...speech, ...st.words.filter((w) => w.gap).map((w) => ({ ...w, speaker: UNKNOWN_SPEAKER }))].sort((a, b) => a.start - b.start);
  return { ...st, words };
}

/** Distinct speaker labels of the speech words. */
export const speakersOf = (words: readonly StitchedWord[]) => [...new Set(words.filter((w) => !w.gap).map((w) => w.speaker!))].sort();

/**
 * The steps in one call, in memory, without retry or resume: for measuring the engines (scripts/bench) and
 * testing them end to end. Ingest runs the steps as the job graph instead (ingest/pipeline/), whatever the
 * media's source.
 */
export async function transcribeMedia(file: string, opts: TranscribeMediaOptions = {}): Promise<TranscribeMediaResult> {
  const t0 = performance.now();
  const secondsPerStage: Record<Stage, number> = { probe: 0, analyse: 0, asr: 0, diarize: 0, stitch: 0 };
  const timed = async <T>(stage: Stage, f: () => Promise<T> | T): Promise<T> => {
    const s = performance.now();
    try {
      return await f();
    } finally {
      secondsPerStage[stage] += (performance.now() - s) / 1000;
    }
  };
  const progress = (stage: Stage, f: number) => opts.onProgress?.(stage, Math.min(1, Math.max(0, f)));
  const { signal } = opts;

  const info = await timed('probe', () => probeMedia(file));
  checkDuration(info, opts.maxS);
  progress('probe', 1);
  signal?.throwIfAborted();

  const ownEngine = typeof opts.engine !== 'object';
  const engine = typeof opts.engine === 'object' ? opts.engine : await createAsrEngine(opts.engine ?? engineSettings().ASR_ENGINE);
  try {
    const diarization = diarizationEngine(opts.diarization);
    // Sherpa's model load fails fast on missing files; its failure only costs the speaker labels.
    let diarError: unknown;
    const sherpa = diarization === 'sherpa' ? await SherpaDiarizer.load({ numSpeakers: opts.numSpeakers }).catch((e) => ((diarError = e), null)) : null;

    // One streaming pass: VAD and the basic diarizer's features see every frame; nothing else is kept.
    const basic = diarization === 'basic' ? new BasicDiarizer({ numSpeakers: opts.numSpeakers, ...opts.basic }) : null;
    const { regions, durationS } = await timed('analyse', async () => {
      const vad = await StreamingVad.create(opts.vad);
      for await (const frame of decodeStream(file, { signal, maxS: opts.maxS })) {
        basic?.push(frame);
        await vad.push(frame);
        progress('analyse', info.durationS > 0 ? vad.durationS / info.durationS : 0);
      }
      return { regions: await vad.finish(), durationS: vad.durationS };
    });
    progress('analyse', 1);

    const chunks = planMediaChunks(regions, durationS, engine.maxChunkS, { chunkS: opts.chunkS, overlapS: opts.overlapS, plan: opts.plan });

    // ASR workers start first; diarization runs while they are busy (pocketsphinx works in child processes).
    const limit = pLimit(Math.max(1, opts.concurrency ?? os.availableParallelism()));
    let done = 0;
    const asr = timed('asr', () =>
      Promise.all(
        chunks.map((chunk) =>
          limit(async (): Promise<ChunkOutcome> => {
            signal?.throwIfAborted();
            try {
              return { chunk, result: await transcribeChunk(file, chunk, engine, { language: opts.language, signal }) };
            } catch (error) {
              if (signal?.aborted) throw signal.reason;
              return { chunk, error };
            } finally {
              progress('asr', ++done / chunks.length);
            }
          }),
        ),
      ),
    );
    const diar = timed('diarize', async (): Promise<Turn[] | null> => {
      await new Promise((r) => setImmediate(r));
      try {
        if (basic) return basic.finish(regions);
        if (sherpa) return sherpa.diarize(await decodeRange(file, 0, Infinity, signal));
        return null;
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        diarError = e;
        return null;
      } finally {
        progress('diarize', 1);
      }
    });
    const [outcomes, turns] = await Promise.all([asr, diar]);
    signal?.throwIfAborted();

    checkChunkOutcomes(outcomes);
    const failed = outcomes.filter((o) => o.error !== undefined);

    const out = await timed('stitch', () => {
      const st = stitchTranscript(outcomes, turns, { lowConfidence: opts.lowConfidence });
      const cues = wordsToCues(st.words, { punctuated: engine.punctuated, ...opts.sentences });
      return { ...st, cues };
    });
    progress('stitch', 1);

    const totalS = (performance.now() - t0) / 1000;
    return {
      cues: out.cues,
      words: out.words,
      durationS,
      speakers: speakersOf(out.words),
      regions,
      turns: turns ?? [],
      chunks,
      gaps: out.gaps,
      lowConfidence: out.lowConfidence,
      model: engine.model,
      stats: {
        secondsPerStage,
        rtf: durationS > 0 ? totalS / durationS : 0,
        chunks: chunks.length,
        failedChunks: failed.length,
        diarization: turns ? diarization : diarization === 'none' ? 'none' : 'failed',
        ...(diarError !== undefined ? { diarizationError: diarError instanceof Error ? diarError.message : String(diarError) } : {}),
      },
    };
  } finally {
    if (ownEngine) await engine.close?.();
  }
}
