import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '../../../src/errors.js';
import type { AppEnv, Runtime } from '../app.js';
import { ErrorBody, JobSchema } from '../schemas.js';

const get = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}',
  summary: 'A job: status, stage, progress (0..1), error and result',
  request: { params: z.object({ id: z.string().uuid('not a job id').openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { content: { 'application/json': { schema: JobSchema } }, description: 'The job' },
    404: { content: { 'application/json': { schema: ErrorBody } }, description: 'No such job' },
  },
});

export function registerJobs(app: OpenAPIHono<AppEnv>, rt: Runtime): void {
  app.openapi(get, async (c) => {
    const job = await rt.jobs.get(c.req.valid('param').id);
    if (!job) throw new AppError('not_found', `no job "${c.req.valid('param').id}"`);
    const { payload: _payload, ...rest } = job;
    return c.json(rest, 200);
  });
}
