import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { isoDate, languageTag, noNul } from '../../../core/index.js';
import { changesOf, type Revision, type Services } from '../../../archive/index.js';
import { correctRecording, correctSegment, revertRevision } from '../../../ingest/index.js';
import type { AppEnv } from '../app.js';
import { ErrorBody, RecordingId, RecordingSchema } from '../schemas.js';
import { actorOf } from './admin.js';
import { withMediaUrl } from './media.js';

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBody } }, description });

/** An empty string clears a field that may be empty (null). */
const emptyIsNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);
const clearable = (max: number) => z.preprocess(emptyIsNull, z.string().trim().max(max).refine(...noNul).nullable().optional());
const atLeastOne = (o: object) => Object.values(o).some((v) => v !== undefined);

export const RecordingPatchBody = z
  .object({
    title: z.string().trim().min(1, 'must not be empty').max(500).refine(...noNul).optional(),
    recorded_at: z.preprocess(emptyIsNull, isoDate.nullable().optional()).openapi({ type: ['string', 'null'], example: '1987-03-12', description: 'ISO date; null clears it' }),
    collection: clearable(200).openapi({ type: ['string', 'null'], description: 'null (or "") clears it' }),
    language: z.preprocess(emptyIsNull, languageTag.nullable().optional()).openapi({ type: ['string', 'null'], example: 'en', description: 'How the text is analysed (en, es, de; another code: plain analysis); null: the archive default' }),
  })
  .strict()
  .refine(atLeastOne, 'send at least one of title, recorded_at, collection, language')
  .openapi('RecordingPatch');

export const SegmentPatchBody = z
  .object({
    text: z.string().trim().min(1, 'must not be empty').max(10_000).refine(...noNul).optional(),
    speaker: clearable(200).openapi({ type: ['string', 'null'], description: 'The line\'s speaker label; null (or "") clears it' }),
    start: z.number().finite().min(0).optional().openapi({ description: 'Seconds; stays between the neighbouring lines\' starts' }),
    end: z.number().finite().positive().optional().openapi({ description: 'Seconds; after start, within the recording' }),
  })
  .strict()
  .refine(atLeastOne, 'send at least one of text, speaker, start, end')
  .openapi('SegmentPatch');

const RevisionSchema = z
  .object({
    rev: z.number().int(),
    recording_id: z.string(),
    at: z.string(),
    actor: z.string().openapi({ description: 'key:<id> (<name>) of the API key, "anonymous" (public writes) or "cli"' }),
    target: z.enum(['recording', 'segment']),
    seq: z.number().int().nullable().openapi({ description: 'The transcript line (target segment)' }),
    changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
    revert_of: z.number().int().nullable().openapi({ description: 'The revision this one reverted' }),
  })
  .openapi('Revision');

const SegmentSchema = z.object({ seq: z.number().int(), start: z.number(), end: z.number(), speaker: z.string().nullable(), text: z.string() });

export function revisionJson(r: Revision): z.infer<typeof RevisionSchema> {
  return {
    rev: r.rev,
    recording_id: r.recordingId,
    at: r.at,
    actor: r.actor,
    target: r.target,
    seq: r.seq,
    changes: changesOf(r),
    revert_of: r.revertOf,
  };
}

const Seq = RecordingId.extend({
  seq: z.coerce.number().int().min(0).openapi({ param: { name: 'seq', in: 'path' }, description: 'The line\'s place in the transcript, from 0' }),
});
const Rev = RecordingId.extend({ rev: z.coerce.number().int().min(1).openapi({ param: { name: 'rev', in: 'path' } }) });

const common = {
  400: err('A field is not valid (the message names it)'),
  401: err('No valid API key'),
  403: err('The key may not correct (archivist role)'),
  409: err('The recording is not ready, or changed meanwhile'),
};

const patchRecording = createRoute({
  method: 'patch',
  path: '/v1/recordings/{id}',
  summary: 'Correct a recording\'s title, date, collection or language (archivist)',
  description:
    'Changes the given fields, re-indexes the recording at once (date, collection and language filters, stemming by language, vectors by date) and records a revision. Values equal to the stored ones change nothing and record nothing (revision null).',
  security: [{ apiKey: [] }],
  request: { params: RecordingId, body: { content: { 'application/json': { schema: RecordingPatchBody } }, required: true } },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ recording: RecordingSchema, revision: RevisionSchema.nullable() }) } },
      description: 'The recording as corrected',
    },
    ...common,
    404: err('No such recording'),
  },
});

const patchSegment = createRoute({
  method: 'patch',
  path: '/v1/recordings/{id}/segments/{seq}',
  summary: 'Correct one transcript line: text, speaker label, start, end (archivist)',
  description:
    'Changes the line, derives the recording\'s moments again from its lines, re-indexes them (lexical and vectors) and records a revision. Changing the text or times drops the line\'s word timings.',
  security: [{ apiKey: [] }],
  request: { params: Seq, body: { content: { 'application/json': { schema: SegmentPatchBody } }, required: true } },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ segment: SegmentSchema, revision: RevisionSchema.nullable() }) } },
      description: 'The line as corrected',
    },
    ...common,
    404: err('No such recording or line'),
  },
});

const history = createRoute({
  method: 'get',
  path: '/v1/recordings/{id}/history',
  summary: 'The corrections of a recording, newest first (archivist)',
  security: [{ apiKey: [] }],
  request: { params: RecordingId },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ recording_id: z.string(), items: z.array(RevisionSchema) }) } }, description: 'Revisions' },
    401: err('No valid API key'),
    403: err('The key may not read the history (archivist role)'),
    404: err('No such recording'),
  },
});

const revert = createRoute({
  method: 'post',
  path: '/v1/recordings/{id}/history/{rev}/revert',
  summary: 'Set the fields a revision changed back to their values before it (archivist)',
  description: 'Recorded as a new revision (revert_of: the reverted one). A field changed again since is set back all the same.',
  security: [{ apiKey: [] }],
  request: { params: Rev },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ revision: RevisionSchema.nullable() }) } }, description: 'The reverting revision (null: nothing to change)' },
    ...common,
    404: err('No such recording or revision'),
  },
});

export function registerCorrections(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(patchRecording, async (c) => {
    const out = await correctRecording(s, c.req.valid('param').id, c.req.valid('json'), actorOf(c.get('apiKey')));
    return c.json({ recording: withMediaUrl(out.value), revision: out.revision && revisionJson(out.revision) }, 200);
  });

  app.openapi(patchSegment, async (c) => {
    const { id, seq } = c.req.valid('param');
    const out = await correctSegment(s, id, seq, c.req.valid('json'), actorOf(c.get('apiKey')));
    const g = out.value;
    return c.json({ segment: { seq: g.seq, start: g.start, end: g.end, speaker: g.speaker, text: g.text }, revision: out.revision && revisionJson(out.revision) }, 200);
  });

  app.openapi(history, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await s.archive.get(id))) return c.json({ error: { code: 'not_found', message: `no recording "${id}"` } }, 404);
    return c.json({ recording_id: id, items: (await s.revisions.history(id)).map(revisionJson) }, 200);
  });

  app.openapi(revert, async (c) => {
    const { id, rev } = c.req.valid('param');
    const out = await revertRevision(s, id, rev, actorOf(c.get('apiKey')));
    return c.json({ revision: out.revision && revisionJson(out.revision) }, 200);
  });
}
