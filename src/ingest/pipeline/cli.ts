import path from 'node:path';
import cliProgress from 'cli-progress';
import type { RecordingMeta } from '../../core/index.js';
import { type Job, type Services, STAGES } from '../../archive/index.js';
import { summarise, timings, type StageSummary, type Timings } from './pipeline.js';
import { checkDuration, probeMedia } from '../audio/decode.js';
import { storeMedia } from '../media.js';
import { createLocalRuntime } from './runtime.js';
import { submitMedia } from './submit.js';

/**
 * `cli ingest <audio>`: the same job graph as the API, run in this process (whatever JOB_QUEUE says), with a
 * progress bar per stage and the seconds per stage and real-time factor at the end. Interrupted, the same
 * command resumes the job where it stopped.
 */
export async function ingestMediaWithProgress(s: Services, file: string, meta: RecordingMeta, o: { pollMs?: number; quiet?: boolean } = {}): Promise<Job> {
  // Checked like an upload before it is kept: what ffprobe cannot read, or what is too long, is refused here.
  checkDuration(await probeMedia(file), s.cfg.MAX_MEDIA_HOURS * 3600);
  // Kept in the blob store like an upload: the recording can be played back, and the stages read it from there.
  const { key, sha256 } = await storeMedia(s, path.resolve(file), { name: file });
  const rt = await createLocalRuntime(s);
  const multi = new cliProgress.MultiBar(
    { format: '{stage} {bar} {percentage}% {detail}', hideCursor: true, clearOnComplete: false, noTTYOutput: !o.quiet, notTTYSchedule: 2000 },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  if (!o.quiet) for (const st of STAGES) bars.set(st, multi.create(st === 'asr' ? 1 : 100, 0, { stage: st.padEnd(9), detail: 'pending' }));
  const draw = (summary: StageSummary[]) => {
    for (const st of summary) {
      const total = st.stage === 'asr' ? st.parts : 100;
      const value = st.stage === 'asr' ? st.done + st.failed : Math.round(st.progress * 100);
      const detail = st.stage === 'asr' ? `${st.done + st.failed}/${st.parts} chunks${st.failed ? ` (${st.failed} failed)` : ''}` : st.status === 'running' ? '' : st.status;
      let bar = bars.get(st.stage);
      if (!bar) {
        bar = multi.create(total, 0, { stage: st.stage.padEnd(9), detail });
        bars.set(st.stage, bar);
      }
      bar.setTotal(total);
      bar.update(value, { detail });
    }
  };
  try {
    let job = await submitMedia(s, rt, { source: { blobKey: key }, meta: { ...meta, source: key }, sha256 });
    while (job.status === 'queued' || job.status === 'running') {
      if (!o.quiet) draw(summarise(await rt.pipeline.stages.list(job.id)));
      await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
      job = (await rt.jobs.get(job.id))!;
    }
    if (!o.quiet) draw(summarise(await rt.pipeline.stages.list(job.id)));
    return job;
  } finally {
    multi.stop();
    await rt.close();
  }
}

/** The closing lines: outcome, then seconds per stage and the real-time factor. */
export function describeMediaJob(job: Job): string[] {
  const r = (job.result ?? {}) as { status?: string; moments?: number; speakers?: string[]; durationS?: number; failedChunks?: number; chunks?: number; diarization?: string; timings?: Timings };
  const id = job.recordingId ?? '?';
  if (job.status === 'failed') return [`failed ${id}: ${job.error}`];
  if (r.status === 'unchanged') return [`unchanged ${id}: ${r.moments ?? 0} moments`];
  const lines = [
    `ingested ${id}: ${r.moments ?? 0} moments${r.speakers?.length ? `, speakers ${r.speakers.join(', ')}` : ''}` +
      `${r.failedChunks ? `, ${r.failedChunks} of ${r.chunks} chunks failed (gaps)` : ''}${r.diarization === 'failed' ? ', diarization failed (Unknown speaker)' : ''}`,
  ];
  const t = r.timings ?? timings([], null);
  // In graph order (jsonb does not keep key order).
  const per = STAGES.filter((k) => t.secondsPerStage[k] !== undefined)
    .map((k) => `${k} ${t.secondsPerStage[k].toFixed(1)}s`)
    .join(', ');
  lines.push(`seconds per stage: ${per}`);
  lines.push(`${r.durationS ? `${r.durationS.toFixed(1)} s of audio in ` : ''}${t.wallSeconds.toFixed(1)} s: real-time factor ${t.rtf?.toFixed(2) ?? 'n/a'}`);
  return lines;
}
