import { AppError, engineSettings, languageOf, type RecordingMeta } from '../../core/index.js';
import { isOpenMediaJobConflict, type Job, type JobStore, type Services, STAGES } from '../../archive/index.js';
import { ENQUEUE_WAIT_MS, enqueuedWithin } from '../../platform/index.js';
import { MEDIA_JOB_KIND, mediaContentHash, type MediaJobPayload, type MediaPipeline, type MediaSource, type PipelineSettings } from './pipeline.js';

/** What submitting needs from the runtime (src/http/api/app.ts Runtime has it). */
export interface SubmitRuntime {
  jobs: JobStore;
  pipeline: MediaPipeline;
}

export interface MediaIngestRequest {
  /** Where the media is in the blob store (`s.blobs`). */
  blobKey: string;
  /** The recording it becomes (the row may exist already, e.g. 'pending' after an upload). */
  meta: RecordingMeta;
  /** sha256 of the media, as computed while it was stored. */
  sha256: string;
}

/** Pipeline settings from the environment (ASR_ENGINE, ASR_CHUNK_S, ASR_OVERLAP_S, DIARIZATION). */
export function pipelineSettings(meta: RecordingMeta, overrides: Partial<PipelineSettings> = {}): PipelineSettings {
  const env = engineSettings();
  return {
    asrEngine: env.ASR_ENGINE,
    chunkS: env.ASR_CHUNK_S,
    overlapS: env.ASR_OVERLAP_S,
    diarization: env.DIARIZATION,
    language: meta.language,
    ...overrides,
  };
}

/**
 * PocketSphinx hears only the language of its model, American English unless POCKETSPHINX_HMM/LM/DICT name
 * another: given speech in another language it writes English words that were never said, which would be
 * indexed as if they had been. Such a recording is refused before anything is stored.
 */
export function refuseUnheardLanguage(settings: Pick<PipelineSettings, 'asrEngine' | 'language'>): void {
  const env = engineSettings();
  if (settings.asrEngine !== 'pocketsphinx' || !settings.language?.trim() || env.POCKETSPHINX_HMM) return;
  if (languageOf(settings.language) === 'en') return;
  throw new AppError(
    'unsupported_language',
    `the offline speech recogniser (PocketSphinx) has a model for English only, not "${settings.language}": ` +
      'set ASR_ENGINE=whisper with a multilingual model (or openai), or POCKETSPHINX_HMM, POCKETSPHINX_LM and POCKETSPHINX_DICT for a model in that language',
  );
}

/**
 * Starts (or finds) the ingest job of one media file stored in the blob store under `blobKey`: the job graph
 * of src/ingest/pipeline/pipeline.ts. Returns the parent job at once, to follow at GET /v1/jobs/:id (or its SSE
 * events); the recording becomes `ready` (or `failed` with the reason) when the graph finishes.
 */
export async function submitMediaIngest(s: Services, rt: SubmitRuntime, input: MediaIngestRequest): Promise<Job> {
  return submitMedia(s, rt, { source: { blobKey: input.blobKey }, meta: input.meta, sha256: input.sha256 });
}

/**
 * The same for any media source (a local file: the CLI). Idempotent: the same media with the same metadata
 * and settings that is already indexed gives a job that succeeded at once ('unchanged'); one that is being
 * ingested gives that job back (resumed, in case its queue entries were lost). A different upload for the
 * same recording id supersedes a job still running.
 */
export async function submitMedia(
  s: Services,
  rt: SubmitRuntime,
  input: { source: MediaSource; meta: RecordingMeta; sha256: string; settings?: Partial<PipelineSettings> },
): Promise<Job> {
  const settings = pipelineSettings(input.meta, { frames: s.cfg.VIDEO_FRAMES, ...input.settings });
  refuseUnheardLanguage(settings);
  const contentHash = mediaContentHash(s, input.meta, input.sha256, settings.asrEngine);
  const payload: MediaJobPayload = { source: input.source, meta: input.meta, sha256: input.sha256, contentHash, settings };

  const existing = await s.archive.get(input.meta.id);
  if (existing?.status === 'ready' && existing.contentHash === contentHash) {
    const job = await rt.jobs.create(MEDIA_JOB_KIND, payload, input.meta.id, 'succeeded');
    await rt.jobs.update(job.id, {
      stage: 'index',
      progress: 1,
      result: { recording_id: input.meta.id, status: 'unchanged', moments: existing.momentCount ?? 0 },
    });
    return (await rt.jobs.get(job.id))!;
  }

  // One open media job per recording, kept by the database (migrations/010): when another process creates one
  // between the look-up and the insert, look again and take (or supersede) that one.
  let job: Job | null = null;
  for (let attempt = 1; !job; attempt++) {
    const open = await rt.jobs.openFor(MEDIA_JOB_KIND, input.meta.id);
    for (const j of open) {
      if (j.hash === contentHash) {
        await rt.pipeline.resume({ jobId: j.id });
        return (await rt.jobs.get(j.id))!;
      }
      await rt.pipeline.fail(j.id, 'superseded by a newer ingest of the same recording');
    }
    try {
      job = await rt.jobs.create(MEDIA_JOB_KIND, payload, input.meta.id);
    } catch (err) {
      if (!isOpenMediaJobConflict(err) || attempt >= 5) throw err;
    }
  }
  // (asr rows come with the chunk plan, a frames row with a decode that found video)
  await rt.pipeline.stages.createJobStages(job.id, STAGES.filter((st) => st !== 'asr' && st !== 'frames'));
  // A new (or pending) recording is listed as processing from now on; a ready one keeps serving its current
  // content until the index stage replaces it.
  if (existing?.status !== 'ready') await s.archive.upsert(input.meta, { status: 'processing', checksum: input.sha256 });
  const onError = (err: unknown) => s.log.error({ err, job: job.id }, 'media job could not be enqueued');
  if (!(await enqueuedWithin(rt.pipeline.advance(job.id), ENQUEUE_WAIT_MS, onError))) {
    s.log.warn({ job: job.id }, 'job queue unavailable; the job is recorded and will be queued when it returns');
  }
  return (await rt.jobs.get(job.id))!;
}

export { sha256File } from '../media.js';
