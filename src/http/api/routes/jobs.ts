import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { MEDIA_JOB_KIND, summarise, timings, type StageSummary, type Timings } from '../../../ingest/index.js';
import { noNul, AppError } from '../../../core/index.js';
import type { Job, Services } from '../../../archive/index.js';
import type { AppEnv, Runtime } from '../app.js';
import { ErrorBody, JobSchema } from '../schemas.js';

const IdParam = z.object({ id: z.string().uuid('not a job id').openapi({ param: { name: 'id', in: 'path' } }) });
const STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

const get = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}',
  summary: 'A job: status, stage, progress (0..1), attempts, error, result; media jobs also per-stage state and timings',
  request: { params: IdParam },
  responses: {
    200: { content: { 'application/json': { schema: JobSchema } }, description: 'The job' },
    404: { content: { 'application/json': { schema: ErrorBody } }, description: 'No such job' },
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/jobs',
  summary: 'Jobs, newest first',
  request: {
    query: z.object({
      status: z.enum(STATUSES).optional(),
      kind: z.string().max(64).refine(...noNul).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ items: z.array(JobSchema) }) } }, description: 'Jobs' },
    400: { content: { 'application/json': { schema: ErrorBody } }, description: 'Bad request' },
  },
});

const events = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/events',
  summary: 'Server-sent events of a job: `progress` (stage, progress) as it changes, then `done` or `failed`, then the stream ends',
  request: { params: IdParam },
  responses: {
    200: { content: { 'text/event-stream': { schema: z.string() } }, description: 'An event stream' },
    404: { content: { 'application/json': { schema: ErrorBody } }, description: 'No such job' },
  },
});

const retry = createRoute({
  method: 'post',
  path: '/v1/jobs/{id}/retry',
  summary: 'Run a failed media job again from the stage that failed (archivist role)',
  description:
    'Failed stages go back to pending, finished ones are kept, and the job is queued again: 202 with the job. Idempotent: ' +
    'a job already queued or running again is answered 200 as it is, with nothing enqueued twice. 409 for a job that ' +
    'succeeded, one a newer upload of the same recording superseded, and manifest jobs (their files are gone: upload again).',
  request: { params: IdParam },
  responses: {
    202: { content: { 'application/json': { schema: JobSchema } }, description: 'Queued again' },
    200: { content: { 'application/json': { schema: JobSchema } }, description: 'Already queued or running: nothing to do' },
    404: { content: { 'application/json': { schema: ErrorBody } }, description: 'No such job' },
    409: { content: { 'application/json': { schema: ErrorBody } }, description: 'Nothing to retry' },
  },
});

type JobView = Omit<Job, 'payload'> & { stages?: StageSummary[]; timings?: Timings };

/** The API's view of a job: no payload (paths, settings); media jobs with their stages and timings. */
async function view(rt: Runtime, job: Job, detail: boolean): Promise<JobView> {
  const { payload: _payload, ...rest } = job;
  if (!detail || job.kind !== MEDIA_JOB_KIND) return rest;
  const rows = await rt.pipeline.stages.list(job.id);
  const result = job.result as { durationS?: number | null; timings?: Timings } | null;
  const end = job.status === 'succeeded' || job.status === 'failed' ? job.updatedAt : null;
  return { ...rest, stages: summarise(rows), timings: result?.timings && end ? result.timings : timings(rows, result?.durationS ?? null, end) };
}

export function registerJobs(app: OpenAPIHono<AppEnv>, _s: Services, rt: Runtime, o: { pollMs?: number } = {}): void {
  const load = async (id: string) => {
    const job = await rt.jobs.get(id);
    if (!job) throw new AppError('not_found', `no job "${id}"`);
    return job;
  };

  app.openapi(get, async (c) => c.json((await view(rt, await load(c.req.valid('param').id), true)) as z.infer<typeof JobSchema>, 200));

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const jobs = await rt.jobs.list({ status: q.status, kind: q.kind, limit: q.limit });
    return c.json({ items: (await Promise.all(jobs.map((j) => view(rt, j, false)))) as z.infer<typeof JobSchema>[] }, 200);
  });

  app.openapi(retry, async (c) => {
    const job = await load(c.req.valid('param').id);
    if (job.status === 'queued' || job.status === 'running') return c.json((await view(rt, job, true)) as z.infer<typeof JobSchema>, 200);
    if (job.status === 'succeeded') throw new AppError('conflict', `job "${job.id}" succeeded: nothing to retry`);
    if (job.kind !== MEDIA_JOB_KIND) throw new AppError('conflict', `a failed ${job.kind} job keeps none of its uploaded files: upload them again`);
    const out = await rt.pipeline.retry(job.id);
    if (out === 'superseded') throw new AppError('conflict', `job "${job.id}" was superseded by a newer upload of recording "${job.recordingId}"`);
    const now = (await rt.jobs.get(job.id))!;
    return c.json((await view(rt, now, true)) as z.infer<typeof JobSchema>, out === 'retried' ? 202 : 200);
  });

  // Job state lives in Postgres, whichever process runs the job: the stream polls it and sends what changed.
  app.openapi(events, async (c) => {
    const id = c.req.valid('param').id;
    await load(id);
    const pollMs = o.pollMs ?? 300;
    return streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      let last = '';
      let lastBeat = Date.now();
      let n = 0;
      while (open) {
        const job = await rt.jobs.get(id);
        if (!job) {
          await stream.writeSSE({ event: 'failed', data: JSON.stringify({ id, status: 'failed', error: 'job deleted' }) });
          break;
        }
        const v = await view(rt, job, true);
        const progress = { id, status: v.status, stage: v.stage, progress: v.progress, attempts: v.attempts, stages: v.stages, timings: v.timings };
        const key = JSON.stringify({ s: v.status, st: v.stage, p: v.progress, stages: v.stages?.map((x) => [x.status, x.done, x.failed, x.progress]) });
        if (key !== last) {
          last = key;
          lastBeat = Date.now();
          await stream.writeSSE({ event: 'progress', data: JSON.stringify(progress), id: String(n++) });
        }
        if (v.status === 'succeeded' || v.status === 'failed') {
          await stream.writeSSE({ event: v.status === 'succeeded' ? 'done' : 'failed', data: JSON.stringify(v), id: String(n++) });
          break;
        }
        if (Date.now() - lastBeat > 15_000) {
          // A comment line keeps proxies from closing a quiet stream.
          await stream.write(': keep-alive\n\n');
          lastBeat = Date.now();
        }
        await stream.sleep(pollMs);
      }
    });
  });
}
