import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError, noNul } from '../../../core/index.js';
import type { RecordingSpeaker, Services } from '../../../archive/index.js';
import { MAX_SPEAKER_NAME, mergeSpeakers, recordingSpeakers, renameSpeakers, type SpeakerChange } from '../../../ingest/index.js';
import type { AppEnv } from '../app.js';
import { actorOf } from './admin.js';
import { ErrorBody, RecordingId } from '../schemas.js';

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBody } }, description });

const Name = z
  .string()
  .trim()
  .min(1, 'a speaker name cannot be empty')
  .max(MAX_SPEAKER_NAME, `at most ${MAX_SPEAKER_NAME} characters`)
  .refine(...noNul)
  .openapi({ example: 'Margaret Hale' });
const Label = z.string().min(1).max(200).refine(...noNul);

export const ArchiveSpeakerSchema = z
  .object({
    name: z.string().openapi({ description: 'The name the speaker is shown and searched under (a label where nobody named it)' }),
    recordings: z.number().int().openapi({ description: 'Recordings the speaker speaks in' }),
    seconds: z.number().openapi({ description: 'Talk time in all of them, in seconds' }),
    turns: z.number().int().openapi({ description: 'Transcript segments spoken' }),
    search_url: z.string().openapi({ description: 'The search page filtered by this speaker' }),
  })
  .openapi('Speaker');

export const RecordingSpeakerSchema = z
  .object({
    label: z.string().openapi({ description: 'The label the transcript or diarization gave (SPEAKER_00)', example: 'SPEAKER_00' }),
    name: z.string().openapi({ description: 'What it is shown and searched under: its name, or the label while it has none' }),
    named: z.boolean(),
    seconds: z.number(),
    turns: z.number().int(),
  })
  .openapi('RecordingSpeaker');

const RecordingSpeakers = z.object({ recording_id: z.string(), speakers: z.array(RecordingSpeakerSchema) }).openapi('RecordingSpeakers');
const Change = RecordingSpeakers.extend({
  labels: z.array(z.string()).openapi({ description: 'The labels that show `name` now' }),
  name: z.string(),
}).openapi('SpeakerChange');

const Paging = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) };

const list = createRoute({
  method: 'get',
  path: '/v1/speakers',
  summary: 'The speakers of the archive by name, alphabetically, with their recordings and talk time',
  description: 'Labels of different recordings given one name are one speaker; names that differ only in case too, as the speaker filter matches them. `q` keeps the names starting with it (any case).',
  request: { query: z.object({ q: z.string().trim().max(200).refine(...noNul).optional(), ...Paging }) },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ total: z.number().int(), items: z.array(ArchiveSpeakerSchema) }) } }, description: 'A page of speakers' },
  },
});

const one = createRoute({
  method: 'get',
  path: '/v1/speakers/{name}',
  summary: 'One speaker (by name, any case) and the recordings it speaks in, most talk first',
  request: {
    params: z.object({ name: Label.openapi({ param: { name: 'name', in: 'path' }, example: 'Margaret Hale' }) }),
    query: z.object(Paging),
  },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: ArchiveSpeakerSchema.extend({
            items: z.array(
              z.object({
                recording_id: z.string(),
                title: z.string(),
                recorded_at: z.string().nullable(),
                seconds: z.number(),
                turns: z.number().int(),
                url: z.string().openapi({ description: 'The recording page' }),
              }),
            ),
          }),
        },
      },
      description: 'The speaker and a page of its recordings',
    },
    404: err('No recording has a speaker of that name'),
  },
});

const ofRecording = createRoute({
  method: 'get',
  path: '/v1/recordings/{id}/speakers',
  summary: "A recording's speakers: each label, the name it is shown under, talk time and turns",
  request: { params: RecordingId },
  responses: { 200: { content: { 'application/json': { schema: RecordingSpeakers } }, description: 'The speakers, most talk first' }, 404: err('No such recording') },
});

const LabelParams = RecordingId.extend({ label: Label.openapi({ param: { name: 'label', in: 'path' }, example: 'SPEAKER_00' }) });
const renameBody = { content: { 'application/json': { schema: z.object({ name: Name }) } }, required: true };
const renameResponses = {
  200: { content: { 'application/json': { schema: Change } }, description: 'The names as they are now' },
  400: err('Empty or too long name'),
  401: err('No valid API key'),
  403: err('The key may not write (archivist)'),
  404: err('No such recording, or no such speaker in it'),
};
const renameDescription =
  '`label` is a label as the recording came (SPEAKER_00) or the name it is shown under now (for every label showing it). The name is kept for the recording across re-ingests and new diarizations, and its moments are re-indexed at once: the speaker filter and questions naming the speaker find them. A name equal to the label drops the name.';

const rename = createRoute({
  method: 'put',
  path: '/v1/recordings/{id}/speakers/{label}',
  summary: 'Name a speaker label of a recording (archivist)',
  description: renameDescription,
  security: [{ apiKey: [] }],
  request: { params: LabelParams, body: renameBody },
  responses: renameResponses,
});
const renamePatch = createRoute({ ...rename, method: 'patch' });

const merge = createRoute({
  method: 'post',
  path: '/v1/recordings/{id}/speakers/merge',
  summary: 'Merge speaker labels of a recording into one speaker (archivist)',
  description:
    'Every label of `labels`, and of `into` when it is a label or name of the recording, is shown under the name of `into` (or under `into` itself when the recording has no such speaker), and re-indexed at once.',
  security: [{ apiKey: [] }],
  request: {
    params: RecordingId,
    body: {
      content: { 'application/json': { schema: z.object({ labels: z.array(Label).min(1).max(50), into: Name.openapi({ example: 'SPEAKER_00' }) }) } },
      required: true,
    },
  },
  responses: { ...renameResponses, 200: { content: { 'application/json': { schema: Change } }, description: 'The names as they are now' } },
});

const speakerJson = (x: RecordingSpeaker) => ({ label: x.label, name: x.name, named: x.named, seconds: x.seconds, turns: x.turns });
const changeJson = (r: SpeakerChange) => ({ recording_id: r.recordingId, labels: r.labels, name: r.name, speakers: r.speakers.map(speakerJson) });
export const speakerSearchUrl = (name: string) => `/?${new URLSearchParams({ speaker: name })}`;

export function registerSpeakers(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(list, async (c) => {
    const page = await s.speakers.list(c.req.valid('query'));
    return c.json({ total: page.total, items: page.items.map((x) => ({ ...x, search_url: speakerSearchUrl(x.name) })) }, 200);
  });

  app.openapi(one, async (c) => {
    const { name } = c.req.valid('param');
    const found = await s.speakers.recordingsOf(name, c.req.valid('query'));
    if (!found) throw new AppError('not_found', `no recording has a speaker "${name}"`);
    return c.json(
      {
        ...found.speaker,
        search_url: speakerSearchUrl(found.speaker.name),
        items: found.items.map((r) => ({ recording_id: r.recordingId, title: r.title, recorded_at: r.recordedAt, seconds: r.seconds, turns: r.turns, url: `/r/${encodeURIComponent(r.recordingId)}` })),
      },
      200,
    );
  });

  app.openapi(ofRecording, async (c) => {
    const { id } = c.req.valid('param');
    return c.json({ recording_id: id, speakers: (await recordingSpeakers(s, id)).map(speakerJson) }, 200);
  });

  for (const route of [rename, renamePatch]) {
    app.openapi(route, async (c) => {
      const { id, label } = c.req.valid('param');
      const r = await renameSpeakers(s, id, [label], c.req.valid('json').name, actorOf(c.get('apiKey')));
      return c.json(changeJson(r), 200);
    });
  }

  app.openapi(merge, async (c) => {
    const { id } = c.req.valid('param');
    const { labels, into } = c.req.valid('json');
    const r = await mergeSpeakers(s, id, labels, into, actorOf(c.get('apiKey')));
    return c.json(changeJson(r), 200);
  });
}
