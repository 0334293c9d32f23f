/**
 * The media ingestion job graph, one per recording:
 *
 *   decode ─► chunk ─► asr[0..n) ─┐
 *      ├──────────────► diarize ──┴─► stitch ─► sentences ─┬─► embed ─► index
 *      └──────────────► frames (video only) ───────────────┘
 *
 * The file is decoded once, by the decode stage, which stores the audio as 16 kHz PCM in the blob store
 * (`tmp/pcm/<job>.s16`, removed when the job ends); the asr chunks read their ranges of it and diarization
 * streams it, so no later stage runs ffmpeg (one whose PCM is gone, after a retry, decodes the file again).
 *
 * Every stage is a queue job (`media.<stage>`, key `<job>.<stage>.<part>`). A stage reads its inputs from
 * Postgres (pipeline_stages), writes its output there, marks itself done, and only then enqueues whatever has
 * become ready (`advance`). So Postgres always says what is done; the queue only says what to do next, and a
 * lost queue entry costs a re-enqueue: `resume` (at start, and periodically in a worker) re-enqueues every
 * stage that is ready and not done. Idempotent keys make that safe, and a handler that finds its stage done
 * returns at once, so a completed stage never runs twice.
 *
 * Failures: a chunk that fails its last retry becomes a gap in the transcript (stitch.ts); diarization that
 * fails gives 'Unknown speaker'; keyframes that fail their last retry leave the recording without frames and
 * screen text, and OCR that fails leaves the frames without text (the transcript never waits on either); any other stage failing for good fails the job (and the recording, unless
 * an earlier version of it is still being served), and the webhook hears about it.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { type Cue, type Moment, type RecordingMeta, AppError, type Embedder, errorMessage, toMilliseconds } from '../../core/index.js';
import { type JobQueue, type QueueJob, UnrecoverableJobError, type BlobStore } from '../../platform/index.js';
import { type Frame, type Job, type JobStore, type Services, STAGES, StageStore, type StageName, type StageRow } from '../../archive/index.js';
import { createAsrEngine } from '../audio/asr/index.js';
import type { AsrEngine, AsrResult } from '../audio/asr/port.js';
import type { Chunk } from '../audio/chunk.js';
import { pcmFrames, s16Bytes, SAMPLE_RATE } from '../audio/decode.js';
import type { Turn } from '../audio/diarize/assign.js';
import { wordsToCues } from '../audio/sentences.js';
import type { ChunkOutcome, Gap, StitchedWord } from '../audio/stitch.js';
import {
  analyseMedia,
  checkChunkOutcomes,
  diarizeMedia,
  planMediaChunks,
  speakersOf,
  stitchTranscript,
  transcribeChunk,
  type DiarizationEngine,
} from '../audio/transcribe.js';
import type { Region } from '../audio/vad.js';
import { buildMoments } from '../moments.js';
import { indexContent, indexedText, momentSettings } from '../transcript.js';
import { extractKeyframes } from '../video/keyframes.js';
import { createOcrEngine, screenText } from '../video/ocr.js';
import { screenMoments } from '../video/screen.js';
import type { Webhooks } from './webhook.js';

export const MEDIA_JOB_KIND = 'ingest-media';

/** Settings frozen into the job when it is submitted, so a resumed job runs exactly as it started. */
export interface PipelineSettings {
  asrEngine: string;
  chunkS: number;
  overlapS: number;
  diarization: DiarizationEngine;
  language: string | null;
  /** Keyframes and on-screen text for video (VIDEO_FRAMES); absent in jobs submitted before video: off. */
  frames?: boolean;
}

export type MediaSource = { blobKey: string } | { file: string };

export interface MediaJobPayload {
  source: MediaSource;
  meta: RecordingMeta;
  sha256: string;
  contentHash: string;
  settings: PipelineSettings;
}

interface StageData {
  jobId: string;
  part: number;
}

interface DecodeOutput {
  /** Blob key of the decoded audio (16 kHz mono s16le) that the asr and diarize stages read instead of decoding again. */
  pcmKey?: string;
  durationS: number;
  containerDurationS: number;
  format: string;
  hasVideo: boolean;
  regions: Region[];
  /** Whether the job has a frames stage (a video stream, and frames on in the job's settings). */
  keyframes?: boolean;
}
interface ChunkOutput {
  chunks: Chunk[];
  model: string;
  punctuated: boolean;
}
interface DiarizeOutput {
  engine: DiarizationEngine | 'failed';
  turns: Turn[] | null;
  error?: string;
}
interface StitchOutput {
  words: StitchedWord[];
  gaps: Gap[];
  lowConfidence: Region[];
  speakers: string[];
}
interface SentencesOutput {
  cues: Cue[];
  moments: Moment[];
}
interface EmbedOutput {
  model: string | null;
  vectors: number[][] | null;
}
interface FramesOutput {
  frames: Frame[];
  /** The OCR engine that read them; 'off' (OCR=off) or 'failed' (then every frame's text is ''). */
  ocr: string;
  ocrError?: string;
  /**
   * The visual embedder's image vector of each frame, in order (VISUAL_EMBEDDINGS); absent when it is off or
   * failed (visualError), and then the frames are found by their text alone.
   */
  visual?: { model: string; vectors: number[][] };
  visualError?: string;
  /** Of the stage: extracting (and storing) the keyframes, and reading them. */
  seconds: { extract: number; ocr: number; visual?: number };
}

/** Share of the job's progress bar per stage (asr is split evenly over its chunks). */
const WEIGHT: Record<StageName, number> = { decode: 0.1, chunk: 0.01, asr: 0.55, diarize: 0.05, frames: 0.05, stitch: 0.04, sentences: 0.02, embed: 0.13, index: 0.05 };

/** Errors that another attempt cannot fix. */
const PERMANENT = new Set(['bad_request', 'unsupported_format', 'payload_too_large', 'not_found', 'invalid_transcript', 'invalid_manifest', 'engine_unavailable']);
const permanent = (e: unknown) => e instanceof UnrecoverableJobError || (e instanceof AppError && PERMANENT.has(e.code));

export const stageKey = (jobId: string, stage: StageName, part = 0) => `${jobId}.${stage}.${part}`;
const jobName = (stage: StageName) => `media.${stage}`;

export interface PipelineOptions {
  webhooks: Webhooks;
  /** The ASR engine for a name (tests inject one); default createAsrEngine. One per name per process. */
  engine?: (name: string) => Promise<AsrEngine>;
}

export interface StageSummary {
  stage: StageName;
  status: 'pending' | 'running' | 'done' | 'failed' | 'partial';
  parts: number;
  done: number;
  failed: number;
  progress: number;
  attempts: number;
  seconds: number;
  error: string | null;
}

export interface Timings {
  /** Seconds each stage's executions took (asr: summed over chunks, which run in parallel). */
  secondsPerStage: Record<StageName, number>;
  /** From the first stage's start to now (or to the end): includes waiting in the queue. */
  wallSeconds: number;
  /** wallSeconds / recording duration. */
  rtf: number | null;
}

/** Per-stage state of a job, for the API and the CLI. */
export function summarise(rows: StageRow[]): StageSummary[] {
  return STAGES.flatMap((stage) => {
    const rs = rows.filter((r) => r.stage === stage);
    if (rs.length === 0) return [];
    const done = rs.filter((r) => r.status === 'done').length;
    const failed = rs.filter((r) => r.status === 'failed').length;
    const running = rs.some((r) => r.status === 'running');
    const status: StageSummary['status'] =
      done + failed === rs.length ? (failed === rs.length ? 'failed' : failed > 0 ? 'partial' : 'done') : running || done + failed > 0 ? 'running' : 'pending';
    return [
      {
        stage,
        status,
        parts: rs.length,
        done,
        failed,
        progress: rs.reduce((a, r) => a + (r.status === 'done' || r.status === 'failed' ? 1 : r.progress), 0) / rs.length,
        attempts: rs.reduce((a, r) => a + r.attempts, 0),
        seconds: rs.reduce((a, r) => a + r.seconds, 0),
        error: rs.find((r) => r.error)?.error ?? null,
      },
    ];
  });
}

export function timings(rows: StageRow[], durationS: number | null, end?: string | null): Timings {
  const secondsPerStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<StageName, number>;
  for (const r of rows) secondsPerStage[r.stage] += r.seconds;
  for (const s of STAGES) secondsPerStage[s] = toMilliseconds(secondsPerStage[s]);
  const starts = rows.map((r) => r.startedAt).filter((v): v is string => v !== null);
  const first = starts.length ? Math.min(...starts.map((s) => Date.parse(s))) : null;
  const last = end ? Date.parse(end) : Date.now();
  const wallSeconds = first === null ? 0 : Math.max(0, (last - first) / 1000);
  return {
    secondsPerStage,
    wallSeconds: toMilliseconds(wallSeconds),
    rtf: durationS && durationS > 0 && first !== null ? toMilliseconds(wallSeconds / durationS) : null,
  };
}

const finished = (r: StageRow | undefined) => r !== undefined && (r.status === 'done' || r.status === 'failed');

/**
 * Local copies of media blobs (S3 downloads) kept while this process works on their job, so the stages of one
 * job download it once. Released when the job ends here, or after 10 idle minutes (the job went on elsewhere).
 */
class MediaFiles {
  private readonly files = new Map<string, { file: Promise<{ path: string; release(): Promise<void> }>; used: number }>();
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly s: Services,
    private readonly idleMs = 10 * 60_000,
  ) {
    this.timer = setInterval(() => void this.releaseIdle(), 60_000);
    this.timer.unref();
  }

  async path(jobId: string, source: MediaSource): Promise<string> {
    if ('file' in source) return source.file;
    const blobs = (this.s as Services & { blobs?: BlobStore }).blobs;
    if (!blobs) throw new UnrecoverableJobError(`job ${jobId}: media is in the blob store ("${source.blobKey}") but no blob store is configured`);
    let e = this.files.get(jobId);
    if (!e) {
      e = { file: blobs.localFile(source.blobKey), used: Date.now() };
      this.files.set(jobId, e);
      e.file.catch(() => this.files.delete(jobId));
    }
    e.used = Date.now();
    return (await e.file).path;
  }

  async release(jobId: string): Promise<void> {
    const e = this.files.get(jobId);
    this.files.delete(jobId);
    if (e) await (await e.file.catch(() => null))?.release().catch(() => {});
  }

  private async releaseIdle(): Promise<void> {
    const now = Date.now();
    for (const [jobId, e] of this.files) if (now - e.used > this.idleMs) await this.release(jobId);
  }

  async releaseAll(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.files.keys()].map((k) => this.release(k)));
  }
}

export class MediaPipeline {
  readonly stages: StageStore;
  private readonly engines = new Map<string, Promise<AsrEngine>>();
  private readonly media: MediaFiles;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly endListeners: ((jobId: string) => Promise<void>)[] = [];

  constructor(
    private readonly s: Services,
    private readonly queue: JobQueue,
    private readonly jobs: JobStore,
    private readonly o: PipelineOptions,
  ) {
    this.stages = s.stages;
    this.media = new MediaFiles(s);
  }

  /** Called when a job of this process ends (succeeded or failed for good): whatever follows it (a manifest job). */
  onEnd(listener: (jobId: string) => Promise<void>): void {
    this.endListeners.push(listener);
  }

  private async ended(jobId: string): Promise<void> {
    for (const fn of this.endListeners) {
      await fn(jobId).catch((err: unknown) => this.s.log.warn({ job: jobId, err: errorMessage(err) }, 'job end listener failed'));
    }
  }

  /** Registers the stage handlers on the queue (in processes that run them). */
  register(): void {
    const run = <T>(
      stage: StageName,
      fn: (job: Job, payload: MediaJobPayload, part: number, progress: (f: number) => Promise<void>) => Promise<T>,
      parts?: (out: T) => { stage: StageName; count: number },
    ) =>
      this.queue.handle<StageData>(jobName(stage), (qj) => this.runStage(qj, stage, fn, parts), {
        onDead: (j, err) => this.stageDead(j.data, stage, err),
      });

    // The one decode of the file: VAD for the chunk plan, and the PCM stored for the asr and diarize stages.
    // A video's frames stage is created with the decode's output, as the asr rows are with the chunk plan.
    run('decode', async (job, p, _part, progress) => {
      const file = await this.media.path(job.id, p.source);
      const maxS = this.s.cfg.MAX_MEDIA_HOURS * 3600;
      const blobs = this.blobs();
      const keyframes = (video: boolean) => video && p.settings.frames === true;
      if (!blobs) {
        const a = await analyseMedia(file, { onProgress: (f) => void progress(f), maxS });
        return { durationS: a.durationS, containerDurationS: a.info.durationS, format: a.info.format, hasVideo: a.info.hasVideo, regions: a.regions, keyframes: keyframes(a.info.hasVideo) } satisfies DecodeOutput;
      }
      const pcmKey = pcmKeyOf(job.id);
      const sink = new PassThrough();
      const stored = blobs.put(pcmKey, sink, { contentType: 'application/octet-stream' });
      stored.catch(() => {});
      try {
        const a = await analyseMedia(file, {
          onProgress: (f) => void progress(f),
          maxS,
          onPcm: async (pcm) => {
            if (!sink.write(s16Bytes(pcm))) await once(sink, 'drain');
          },
        });
        sink.end();
        await stored;
        return {
          pcmKey,
          durationS: a.durationS,
          containerDurationS: a.info.durationS,
          format: a.info.format,
          hasVideo: a.info.hasVideo,
          regions: a.regions,
          keyframes: keyframes(a.info.hasVideo),
        } satisfies DecodeOutput;
      } catch (err) {
        sink.destroy();
        await stored.catch(() => {});
        await blobs.delete(pcmKey).catch(() => {});
        throw err;
      }
    }, (out) => ({ stage: 'frames', count: out.keyframes ? 1 : 0 }));

    // Keyframes, their thumbnails (kept in the blob store) and the text on them. OCR failing is not the stage
    // failing: the frames are kept without text. Extraction failing is retried, and after the last retry the
    // recording goes on without frames (stageDead).
    run('frames', async (job, p, _part, progress) => {
      const decode = await this.stages.output<DecodeOutput>(job.id, 'decode');
      const file = await this.media.path(job.id, p.source);
      const cfg = this.s.cfg;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-frames-'));
      try {
        const t0 = performance.now();
        const frames = await extractKeyframes(file, dir, {
          sceneThreshold: cfg.FRAMES_SCENE_THRESHOLD,
          minGapS: cfg.FRAMES_MIN_GAP_S,
          perMinute: cfg.FRAMES_PER_MINUTE,
          durationS: decode.containerDurationS,
          onProgress: (f) => void progress(0.3 * f),
        });
        const prefix = framesPrefix(p.meta.id, job.id);
        for (const f of frames) await this.s.blobs.put(`${prefix}${f.n}.jpg`, createReadStream(f.thumb), { contentType: 'image/jpeg' });
        const t1 = performance.now();
        const texts: string[] = frames.map(() => '');
        let ocr = 'off';
        let ocrError: string | undefined;
        try {
          const engine = await createOcrEngine(cfg);
          if (engine) {
            ocr = engine.name;
            try {
              for (const [i, f] of frames.entries()) {
                texts[i] = screenText(await engine.read(f.ocr), cfg.OCR_MIN_CONFIDENCE);
                await progress(0.3 + (0.7 * (i + 1)) / frames.length);
              }
            } finally {
              await engine.close().catch(() => {});
            }
          }
        } catch (err) {
          ocr = 'failed';
          ocrError = errorMessage(err);
          texts.fill('');
          this.s.log.warn({ job: job.id, err: ocrError }, 'OCR failed; the keyframes are kept without their text');
        }
        const t2 = performance.now();
        // What a frame shows, for questions its text does not answer. Like OCR, a visual model failing keeps the
        // frames (found by their text alone).
        let visual: FramesOutput['visual'];
        let visualError: string | undefined;
        if (this.s.visual && frames.length) {
          try {
            const vectors = await this.s.visual.embedImages(frames.map((f) => f.thumb));
            visual = { model: this.s.visual.model, vectors: vectors.map((v) => Array.from(v)) };
          } catch (err) {
            visualError = errorMessage(err);
            this.s.log.warn({ job: job.id, err: visualError }, 'the visual embedder failed; the keyframes are kept without image vectors');
          }
        }
        const seconds = { extract: toMilliseconds((t1 - t0) / 1000), ocr: toMilliseconds((t2 - t1) / 1000), ...(this.s.visual ? { visual: toMilliseconds((performance.now() - t2) / 1000) } : {}) };
        return {
          frames: frames.map((f, i) => ({ n: f.n, at: f.at, text: texts[i], thumbKey: `${prefix}${f.n}.jpg` })),
          ocr,
          ...(ocrError ? { ocrError } : {}),
          ...(visual ? { visual } : {}),
          ...(visualError ? { visualError } : {}),
          seconds,
        } satisfies FramesOutput;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    // The chunk plan and one asr row per chunk are written together: the fan-out is never half done.
    this.queue.handle<StageData>(jobName('chunk'), (qj) =>
      this.runStage(qj, 'chunk', async (job, p) => {
        const decode = await this.stages.output<DecodeOutput>(job.id, 'decode');
        const engine = await this.engine(p.settings.asrEngine);
        const chunks = planMediaChunks(decode.regions, decode.durationS, engine.maxChunkS, { chunkS: p.settings.chunkS, overlapS: p.settings.overlapS });
        return { chunks, model: engine.model, punctuated: engine.punctuated } satisfies ChunkOutput;
      }, (out) => ({ stage: 'asr', count: (out as ChunkOutput).chunks.length })),
      { onDead: (j, err) => this.stageDead(j.data, 'chunk', err) },
    );

    run('asr', async (job, p, part) => {
      const { chunks } = await this.stages.output<ChunkOutput>(job.id, 'chunk');
      const chunk = chunks.find((c) => c.index === part) ?? chunks[part];
      if (!chunk) throw new UnrecoverableJobError(`job ${job.id}: no chunk ${part} in the plan`);
      const engine = await this.engine(p.settings.asrEngine);
      const decode = await this.stages.output<DecodeOutput>(job.id, 'decode');
      const pcm = await this.storedPcm(decode);
      const r = pcm
        ? await engine.transcribe(await pcmRange(pcm.blobs, pcm.key, pcm.size, chunk.start, chunk.end), { language: p.settings.language ?? undefined })
        : await transcribeChunk(await this.media.path(job.id, p.source), chunk, engine, { language: p.settings.language ?? undefined });
      return { words: r.words, text: r.text } satisfies AsrResult;
    });

    run('diarize', async (job, p) => {
      const decode = await this.stages.output<DecodeOutput>(job.id, 'decode');
      try {
        const pcm = await this.storedPcm(decode);
        const audio = pcm ? () => pcmFrames(pcmChunks(pcm.blobs, pcm.key)) : await this.media.path(job.id, p.source);
        const turns = await diarizeMedia(audio, decode.regions, { diarization: p.settings.diarization });
        return { engine: turns ? p.settings.diarization : 'none', turns } satisfies DiarizeOutput;
      } catch (err) {
        // Speaker labels are an extra: without them every word is 'Unknown speaker'.
        this.s.log.warn({ job: job.id, err: errorMessage(err) }, 'diarization failed; speakers will be unknown');
        return { engine: 'failed', turns: null, error: errorMessage(err) } satisfies DiarizeOutput;
      }
    });

    run('stitch', async (job) => {
      const { chunks } = await this.stages.output<ChunkOutput>(job.id, 'chunk');
      const asr = await this.stages.outputs<AsrResult>(job.id, 'asr');
      const outcomes: ChunkOutcome[] = chunks.map((chunk, i) => {
        const row = asr.find((r) => r.part === i);
        if (row?.status === 'done' && row.output) return { chunk, result: row.output };
        return { chunk, error: new Error(row?.error ?? 'no ASR result') };
      });
      checkChunkOutcomes(outcomes);
      const diar = await this.stages.output<DiarizeOutput>(job.id, 'diarize');
      const st = stitchTranscript(outcomes, diar.turns);
      return { words: st.words, gaps: st.gaps, lowConfidence: st.lowConfidence, speakers: speakersOf(st.words) } satisfies StitchOutput;
    });

    run('sentences', async (job, p) => {
      const { words } = await this.stages.output<StitchOutput>(job.id, 'stitch');
      const { punctuated } = await this.stages.output<ChunkOutput>(job.id, 'chunk');
      const cues = wordsToCues(words, { punctuated });
      return { cues, moments: buildMoments(p.meta.id, cues, momentSettings(this.s)) } satisfies SentencesOutput;
    });

    run('embed', async (job, p, _part, progress) => {
      if (!this.s.embedder) return { model: null, vectors: null } satisfies EmbedOutput;
      const { moments } = await this.content(job.id, p);
      const vectors = await this.s.embedder.embed(moments.map(indexedText), (done, total) => void progress(done / Math.max(1, total)));
      return { model: this.s.embedder.model, vectors: vectors.map((v) => Array.from(v)) } satisfies EmbedOutput;
    });

    run('index', async (job, p) => {
      const { cues, moments, frames, frameVectors } = await this.content(job.id, p);
      const emb = await this.stages.output<EmbedOutput>(job.id, 'embed');
      const decode = await this.stages.output<DecodeOutput>(job.id, 'decode');
      // Image vectors of another model than the one now configured are not written: they could not be searched.
      const vectors = frameVectors && frameVectors.model === this.s.visual?.model ? frameVectors.vectors : [];
      // indexContent replaces the recording's rows wholesale: running it again cannot duplicate segments. A
      // version already served stays served until the new one is written, and comes back if writing fails.
      await indexContent(withVectors(this.s, emb, moments.map(indexedText)), p.meta, cues, moments, p.contentHash, {
        checksum: p.sha256,
        durationS: decode.durationS,
        frames,
        frameVectors: vectors.map((v, i) => ({ n: frames[i].n, at: frames[i].at, vector: Float32Array.from(v) })),
      });
      const screen = moments.filter((m) => m.kind === 'screen').length;
      return { moments: moments.length - screen, screenMoments: screen, frames: frames.length, segments: cues.length };
    });
  }

  /**
   * What the job indexes: the transcript's cues and speech moments, and, when the frames stage is done, the
   * keyframes and their screen moments (a frames stage that failed for good leaves none).
   */
  private async content(jobId: string, p: MediaJobPayload): Promise<{ cues: Cue[]; moments: Moment[]; frames: Frame[]; frameVectors?: FramesOutput['visual'] }> {
    const { cues, moments } = await this.stages.output<SentencesOutput>(jobId, 'sentences');
    if ((await this.stages.get(jobId, 'frames'))?.status !== 'done') return { cues, moments, frames: [] };
    const { frames, visual } = await this.stages.output<FramesOutput>(jobId, 'frames');
    const decode = await this.stages.output<DecodeOutput>(jobId, 'decode');
    return { cues, moments: [...moments, ...screenMoments(p.meta.id, frames, decode.containerDurationS)], frames, frameVectors: visual };
  }

  /** The frame every stage runs in: skip when done, record start, time, output, then move the graph on. */
  private async runStage<T>(
    qj: QueueJob<StageData>,
    stage: StageName,
    fn: (job: Job, payload: MediaJobPayload, part: number, progress: (f: number) => Promise<void>) => Promise<T>,
    parts?: (out: T) => { stage: StageName; count: number },
  ): Promise<unknown> {
    const { jobId, part } = qj.data;
    const job = await this.jobs.get(jobId);
    if (!job || job.status === 'succeeded' || job.status === 'failed') return { skipped: 'job finished' };
    const row = await this.stages.get(jobId, stage, part);
    if (!row) return { skipped: 'no such stage' };
    if (finished(row)) {
      // Done already (a duplicate delivery, or a resume that raced the stage's end): never redo, only move on.
      await this.advance(jobId);
      return { skipped: 'done' };
    }
    const payload = job.payload as MediaJobPayload;
    await this.stages.start(jobId, stage, part);
    // The parent's attempts count starts (1) and resumes after a stop.
    if (job.status === 'queued') await this.jobs.update(jobId, { status: 'running', stage, attempt: true });
    const t0 = performance.now();
    let lastWrite = 0;
    let lastFraction = -1;
    const progress = async (f: number) => {
      const now = performance.now();
      if (f < 1 && (now - lastWrite < 250 || f - lastFraction < 0.01)) return;
      lastWrite = now;
      lastFraction = f;
      await qj.progress({ jobId, stage, part, fraction: f }).catch(() => {});
      await this.stages.progress(jobId, stage, part, f).catch(() => {});
      await this.refresh(jobId).catch(() => {});
    };
    let out: T;
    try {
      out = await fn(job, payload, part, progress);
    } catch (err) {
      const seconds = (performance.now() - t0) / 1000;
      await this.stages.attemptFailed(jobId, stage, part, errorMessage(err), seconds).catch(() => {});
      if (permanent(err)) throw new UnrecoverableJobError(errorMessage(err), { cause: err });
      throw err;
    }
    const seconds = (performance.now() - t0) / 1000;
    await this.stages.complete(jobId, stage, part, out, seconds, parts?.(out));
    if (stage === 'index') await this.succeed(jobId, payload);
    else {
      await this.refresh(jobId);
      await this.advance(jobId);
    }
    return { stage, part, seconds };
  }

  private async stageDead(data: StageData, stage: StageName, err: Error): Promise<void> {
    const { jobId, part } = data;
    await this.stages.fail(jobId, stage, part, err.message);
    if (stage === 'asr' || stage === 'frames') {
      // A lost chunk is a gap in the transcript, lost keyframes a recording without frames: not a lost recording.
      if (stage === 'asr') this.s.log.warn({ job: jobId, chunk: part, err: err.message }, 'ASR chunk failed for good: it becomes a gap');
      else this.s.log.warn({ job: jobId, err: err.message }, 'keyframes failed for good: the recording is indexed without frames');
      await this.refresh(jobId);
      await this.advance(jobId);
      return;
    }
    await this.fail(jobId, `${stage}: ${err.message}`);
  }

  /** Enqueues every stage whose inputs are done and that is not done itself (running ones too, on resume). */
  async advance(jobId: string, o: { includeRunning?: boolean } = {}): Promise<number> {
    const job = await this.jobs.get(jobId);
    if (!job || job.kind !== MEDIA_JOB_KIND || job.status === 'succeeded' || job.status === 'failed') return 0;
    let rows = await this.stages.list(jobId);
    if (rows.length === 0) {
      // Submitted, then stopped before its stage rows were written.
      await this.stages.createJobStages(jobId, STAGES.filter((st) => st !== 'asr' && st !== 'frames'));
      rows = await this.stages.list(jobId);
    }
    const one = (stage: StageName) => rows.find((r) => r.stage === stage);
    const isDone = (stage: StageName) => one(stage)?.status === 'done';
    const asrRows = rows.filter((r) => r.stage === 'asr');
    const ready: Record<StageName, boolean> = {
      decode: true,
      chunk: isDone('decode'),
      asr: isDone('chunk'),
      diarize: isDone('decode'),
      frames: isDone('decode'),
      stitch: isDone('chunk') && asrRows.every(finished) && finished(one('diarize')),
      sentences: isDone('stitch'),
      // A video's screen moments are embedded and indexed with its speech: the frames stage ends first.
      embed: isDone('sentences') && (one('frames') === undefined || finished(one('frames'))),
      index: isDone('embed'),
    };
    let n = 0;
    for (const r of rows) {
      if (!ready[r.stage]) continue;
      if (r.status === 'pending' || (o.includeRunning && r.status === 'running')) {
        const res = await this.queue.enqueue<StageData>(jobName(r.stage), { jobId, part: r.part }, { key: stageKey(jobId, r.stage, r.part) });
        if (res.added) n++;
      }
    }
    return n;
  }

  /**
   * Re-enqueues the ready stages of every unfinished media job (or of one): after a restart, and periodically
   * in workers so a queue entry lost with Redis is found again. Returns the number of stage jobs added.
   */
  async resume(o: { jobId?: string } = {}): Promise<number> {
    const open = o.jobId
      ? [await this.jobs.get(o.jobId)].filter((j): j is Job => j !== null && (j.status === 'queued' || j.status === 'running'))
      : await this.jobs.list({ kind: MEDIA_JOB_KIND, status: ['queued', 'running'], limit: 10_000 });
    let n = 0;
    for (const job of open) {
      const added = await this.advance(job.id, { includeRunning: true });
      if (added > 0) {
        if (job.status === 'running') await this.jobs.update(job.id, { attempt: true });
        this.s.log.info({ job: job.id, stages: added }, 'resumed job: unfinished stages re-enqueued');
        n += added;
      }
    }
    return n;
  }

  startSweeper(intervalMs: number): void {
    this.stopSweeper();
    this.sweeper = setInterval(() => {
      this.resume().catch((err: unknown) => this.s.log.warn({ err: errorMessage(err) }, 'resume sweep failed'));
    }, intervalMs);
    this.sweeper.unref();
  }

  stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Stage, progress and timings of the parent job, recomputed from its stage rows. */
  async refresh(jobId: string): Promise<void> {
    const job = await this.jobs.get(jobId);
    if (!job || job.status === 'succeeded' || job.status === 'failed') return;
    const rows = await this.stages.list(jobId);
    const summary = summarise(rows);
    let progress = 0;
    for (const s of summary) progress += WEIGHT[s.stage] * s.progress;
    // Audio has no frames stage: its share is done once the decode says so.
    if (!summary.some((x) => x.stage === 'frames') && summary.some((x) => x.stage === 'decode' && x.status === 'done')) progress += WEIGHT.frames;
    const current =
      summary.find((s) => s.stage === 'asr' && s.status === 'running')?.stage ??
      summary.find((s) => s.status !== 'done' && s.status !== 'failed' && s.status !== 'partial')?.stage ??
      'index';
    const durationS = await this.durationOf(jobId);
    await this.jobs.update(jobId, {
      stage: current,
      progress: Math.min(0.99, progress),
      result: { recording_id: job.recordingId, durationS, timings: timings(rows, durationS) },
    });
  }

  private async durationOf(jobId: string): Promise<number | null> {
    return this.stages.decodedDuration(jobId);
  }

  private async succeed(jobId: string, p: MediaJobPayload): Promise<void> {
    const rows = await this.stages.list(jobId);
    const durationS = await this.durationOf(jobId);
    const stitch = await this.stages.output<StitchOutput>(jobId, 'stitch');
    const diar = await this.stages.output<DiarizeOutput>(jobId, 'diarize');
    const { moments } = await this.stages.output<SentencesOutput>(jobId, 'sentences');
    const { model } = await this.stages.output<ChunkOutput>(jobId, 'chunk');
    const asr = rows.filter((r) => r.stage === 'asr');
    const framesRow = rows.find((r) => r.stage === 'frames');
    const frames = framesRow?.status === 'done' ? await this.stages.output<FramesOutput>(jobId, 'frames') : null;
    const result = {
      recording_id: p.meta.id,
      status: 'ingested',
      moments: moments.length,
      speakers: stitch.speakers,
      durationS,
      model,
      chunks: asr.length,
      failedChunks: asr.filter((r) => r.status === 'failed').length,
      gaps: stitch.gaps,
      diarization: diar.engine,
      ...(diar.error ? { diarizationError: diar.error } : {}),
      ...(framesRow
        ? {
            frames: frames?.frames.length ?? 0,
            screenMoments: frames ? screenMoments(p.meta.id, frames.frames, null).length : 0,
            ocr: frames?.ocr ?? 'failed',
            ...(frames?.ocrError ? { ocrError: frames.ocrError } : framesRow.status === 'failed' ? { framesError: framesRow.error } : {}),
            ...(frames?.visual ? { visual: frames.visual.model } : {}),
            ...(frames?.visualError ? { visualError: frames.visualError } : {}),
          }
        : {}),
      timings: timings(rows, durationS),
    };
    // The decoded audio goes before the job is reported done, so a finished job has left nothing behind.
    await this.dropPcm(jobId);
    await this.jobs.update(jobId, { status: 'succeeded', stage: 'index', progress: 1, result });
    await this.media.release(jobId);
    this.s.log.info({ job: jobId, recording: p.meta.id, rtf: result.timings.rtf }, 'media ingested');
    await this.ended(jobId);
    this.o.webhooks.deliver({ job: jobId, kind: MEDIA_JOB_KIND, recording_id: p.meta.id, status: 'succeeded', error: null, result });
  }

  /** The job failed for good: the job row, the recording (unless an earlier version is served), the webhook. */
  async fail(jobId: string, error: string): Promise<void> {
    const job = await this.jobs.get(jobId);
    if (!job || job.status === 'failed' || job.status === 'succeeded') return;
    const rows = await this.stages.list(jobId);
    const durationS = await this.durationOf(jobId);
    await this.dropPcm(jobId);
    await this.jobs.update(jobId, { status: 'failed', error, result: { recording_id: job.recordingId, durationS, timings: timings(rows, durationS) } });
    if (job.recordingId) {
      const rec = await this.s.archive.get(job.recordingId);
      if (rec && rec.status !== 'ready') await this.s.archive.setStatus(job.recordingId, 'failed', error);
    }
    await this.media.release(jobId);
    this.s.log.error({ job: jobId, recording: job.recordingId, error }, 'media ingest failed');
    await this.ended(jobId);
    this.o.webhooks.deliver({ job: jobId, kind: MEDIA_JOB_KIND, recording_id: job.recordingId, status: 'failed', error });
  }

  /**
   * Runs a failed job again from where it stopped: its failed (or interrupted) stages go back to pending, the
   * finished ones stay finished, the job is queued again, the recording shows as processing (unless an earlier
   * version of it is served) and the ready stages are enqueued. Idempotent: only the call that moves the job
   * out of 'failed' does anything ('not_failed' for the others, and for jobs that never failed). A job that a
   * newer ingest of the same recording superseded stays failed ('superseded').
   */
  async retry(jobId: string): Promise<'retried' | 'not_failed' | 'superseded'> {
    const job = await this.jobs.get(jobId);
    if (!job || job.kind !== MEDIA_JOB_KIND || job.status !== 'failed') return 'not_failed';
    if (job.recordingId) {
      if (await this.jobs.newerFor(MEDIA_JOB_KIND, job.recordingId, job.createdAt, jobId)) return 'superseded';
    }
    // The compare-and-set that makes a retry happen once, however many requests ask for it at the same time.
    if (!(await this.jobs.requeueFailed(jobId))) return 'not_failed';
    // A failed ASR chunk whose gap is already stitched in stays a gap: re-running it would change nothing.
    const stitched = (await this.stages.get(jobId, 'stitch'))?.status === 'done';
    await this.stages.resetUnfinished(jobId, stitched);
    if (job.recordingId) {
      const rec = await this.s.archive.get(job.recordingId);
      if (rec && rec.status !== 'ready') await this.s.archive.setStatus(job.recordingId, 'processing');
    }
    await this.refresh(jobId);
    if ((await this.advance(jobId)) === 0) {
      // The failed stage's queue entry can still hold its key for a moment after the job was marked failed
      // (the dead-letter handler runs first): enqueue again once it is gone.
      setTimeout(() => void this.advance(jobId).catch((err: unknown) => this.s.log.warn({ job: jobId, err: errorMessage(err) }, 'retry: enqueue failed')), 1000).unref();
    }
    this.s.log.info({ job: jobId, recording: job.recordingId }, 'failed job retried');
    return 'retried';
  }

  private blobs(): BlobStore | undefined {
    return (this.s as Services & { blobs?: BlobStore }).blobs;
  }

  /**
   * The PCM the decode stage stored, when it is still there. A retried job whose PCM was removed when it failed
   * (or a job decoded without a blob store) decodes the media file again instead.
   */
  private async storedPcm(decode: DecodeOutput): Promise<{ blobs: BlobStore; key: string; size: number } | null> {
    const blobs = this.blobs();
    if (!blobs || !decode.pcmKey) return null;
    const st = await blobs.stat(decode.pcmKey);
    return st ? { blobs, key: decode.pcmKey, size: st.size } : null;
  }

  private async dropPcm(jobId: string): Promise<void> {
    await this.blobs()?.delete(pcmKeyOf(jobId)).catch(() => {});
  }

  private engine(name: string): Promise<AsrEngine> {
    let e = this.engines.get(name);
    if (!e) {
      e = this.o.engine ? this.o.engine(name) : createAsrEngine(name);
      this.engines.set(name, e);
      e.catch(() => this.engines.delete(name));
    }
    return e;
  }

  async close(): Promise<void> {
    this.stopSweeper();
    await this.media.releaseAll();
    const engines = [...this.engines.values()];
    this.engines.clear();
    // Injected engines belong to whoever injected them.
    if (!this.o.engine) await Promise.all(engines.map(async (p) => (await p.catch(() => null))?.close?.().catch(() => {})));
  }
}

export const pcmKeyOf = (jobId: string) => `tmp/pcm/${jobId}.s16`;

/**
 * Where a job's keyframe thumbnails go: under the recording's artefacts (removed with the recording), per job so
 * that a new version's frames never overwrite the ones still served.
 */
export const framesPrefix = (recordingId: string, jobId: string) => `artefacts/${recordingId}/frames/${jobId}/`;

async function* pcmChunks(blobs: BlobStore, key: string): AsyncGenerator<Buffer> {
  const stream: Readable = await blobs.get(key);
  for await (const chunk of stream) yield chunk as Buffer;
}

/** Samples [startS, endS) of stored PCM, read by byte range: an ASR chunk without running ffmpeg. */
async function pcmRange(blobs: BlobStore, key: string, size: number, startS: number, endS: number): Promise<Float32Array> {
  const start = Math.max(0, Math.floor(startS * SAMPLE_RATE)) * 2;
  const end = Math.min(size, Number.isFinite(endS) ? Math.ceil(endS * SAMPLE_RATE) * 2 : size) - 1;
  if (end < start) return new Float32Array(0);
  const parts: Float32Array[] = [];
  const stream: Readable = await blobs.get(key, { start, end });
  for await (const f of pcmFrames(stream as AsyncIterable<Buffer>, SAMPLE_RATE * 5)) parts.push(f);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Services whose embedder answers with the vectors the embed stage stored (indexContent embeds its moments). */
function withVectors(s: Services, emb: EmbedOutput, texts: string[]): Services {
  if (!s.embedder || !emb.vectors || emb.model !== s.embedder.model) return s;
  const stored = emb.vectors.map((v) => Float32Array.from(v));
  const inner = s.embedder;
  const embedder: Embedder = {
    model: inner.model,
    dim: inner.dim,
    init: () => inner.init(),
    close: async () => {},
    embed: async (asked, onProgress) => {
      // Only for the texts they were made of (writing back a previous version embeds other texts).
      if (asked.length !== stored.length || asked.some((t, i) => t !== texts[i])) return inner.embed(asked, onProgress);
      onProgress?.(asked.length, asked.length);
      return stored;
    },
  };
  return { ...s, embedder };
}

/** The hash that says "this media with these settings is already indexed": the same file (sha256), metadata and settings. */
export function mediaContentHash(s: Services, meta: RecordingMeta, sha256: string, asrEngine: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ media: sha256, meta, settings: momentSettings(s), model: s.embedder?.model ?? null, asr: asrEngine }))
    .digest('hex');
}
