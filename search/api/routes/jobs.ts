import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { MEDIA_JOB_KIND, summarise, timings, type StageSummary, type Timings } from '../../../ingest/pipeline/pipeline.js';
import { AppError } from '../../../src/errors.js';
import type { Job } from '../../../src/jobs/store.js';
import type { Services } from '../../../src/services.js';
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
      kind: z.string().max(64).optional(),
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
