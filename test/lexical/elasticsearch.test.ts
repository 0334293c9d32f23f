import { createRequire } from 'node:module';
import { Client } from '@elastic/elasticsearch';
import MockModule from '@elastic/elasticsearch-mock';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { ElasticsearchLexicalIndex } from '../../src/indexes/lexical/elasticsearch.js';
import type { LexicalDoc } from '../../src/core/lexical-index.js';

/*
 * These tests run the adapter and the real @elastic/elasticsearch client against a mocked HTTP transport.
 * They check what the adapter SENDS and how it READS responses. They do not show that Elasticsearch
 * accepts the requests or ranks as expected: that is the integration suite's job (ES_URL).
 */

// The mock is CommonJS: its typings describe `exports.default`, at runtime the module is the class.
const Mock = ((MockModule as { default?: unknown }).default ?? MockModule) as typeof MockModule.default;
// The mock recognises error objects with `instanceof` against the CommonJS build of the client, so the errors
// a resolver returns must come from that build (the ESM build's classes are distinct).
const { errors } = createRequire(import.meta.url)('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');

interface Req {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: any;
}
type Resolver = (p: Req) => unknown;

function setup() {
  const mock = new Mock();
  const requests: Req[] = [];
  const on = (method: string, path: string, fn: Resolver) =>
    mock.add({ method, path }, (p: unknown) => {
      const req = p as unknown as Req;
      requests.push({ method: req.method, path: req.path, querystring: req.querystring, body: req.body });
      return fn(req) as Record<string, unknown>;
    });
  // The mock's typings name the CommonJS BaseConnection; at runtime the client accepts it.
  const Connection = mock.getConnection() as unknown as NonNullable<ConstructorParameters<typeof Client>[0]>['Connection'];
  const client = new Client({ node: 'http://localhost:9200', Connection, maxRetries: 0 });
  const index = new ElasticsearchLexicalIndex({ client, indexPrefix: 'p', k1: 1.4, b: 0.6, bulkRetryWaitMs: 1 });
  return { mock, requests, on, index, sent: (method: string, suffix: string) => requests.filter((r) => r.method === method && r.path.endsWith(suffix)) };
}

/**
 * Answers every write route; bulk items echo the request's actions as created unless `bulk` is given.
 * (The mock serves the FIRST resolver added for a route, so a test's own bulk resolver must come through here.)
 */
function acceptWrites(on: ReturnType<typeof setup>['on'], bulk?: Resolver) {
  on('PUT', '/:index', (p) => ({ acknowledged: true, shards_acknowledged: true, index: p.path.slice(1) }));
  on('POST', '/:index/_delete_by_query', () => ({ took: 1, deleted: 2, total: 2, failures: [] }));
  on('POST', '/_bulk', bulk ?? ((p) => ({ took: 1, errors: false, items: actions(p.body).map((a) => ({ index: { ...a, status: 201, result: 'created' } })) })));
  on('PUT', '/:index/_doc/:id', (p) => ({ _index: p.path.split('/')[1], _id: p.path.split('/')[3], result: 'created' }));
}

const actions = (ndjson: any[]) => ndjson.filter((l) => l.index).map((l) => l.index as { _index: string; _id: string });

const responseError = (statusCode: number, type: string, reason: string) =>
  new errors.ResponseError({ body: { error: { type, reason, root_cause: [{ type, reason }] }, status: statusCode }, statusCode, headers: {}, warnings: null, meta: {} as any });

const doc = (seq: number, recordedAt: string | null, extra: Partial<LexicalDoc> = {}): LexicalDoc => ({
  momentId: `rec-a#${seq}`,
  recordingId: 'rec-a',
  recordedAt,
  collection: 'council',
  speakers: ['Chair'],
  start: seq * 60,
  end: seq * 60 + 60,
  text: `passage ${seq}`,
  ...extra,
});

const hits = (...pairs: [string, number][]) => ({
  took: 1,
  timed_out: false,
  _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
  hits: { max_score: pairs[0]?.[1] ?? null, hits: pairs.map(([id, score]) => ({ _index: 'p-1980s', _id: id, _score: score })) },
});

async function upstreamError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('upstream_error');
  expect((err as AppError).message).not.toMatch(/\n\s+at /); // no stack trace in the message
  return err as AppError;
}

describe('ElasticsearchLexicalIndex: request/response handling (mocked transport)', () => {
  it('init checks the cluster, installs a template with an analyzer per language, BM25 similarity and alias, and adds the fields to older indices', async () => {
    const { on, index, requests } = setup();
    on('GET', '/', () => ({ name: 'n', cluster_name: 'c', cluster_uuid: 'u', version: { number: '9.0.0' }, tagline: 'You Know, for Search' }));
    on('PUT', '/_index_template/:name', () => ({ acknowledged: true }));
    on('PUT', '/:index/_mapping', () => ({ acknowledged: true }));
    await index.init();
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /', 'PUT /_index_template/p-decades', 'PUT /p/_mapping']);
    expect(requests[2].body.properties.text_es).toEqual({ type: 'text', analyzer: 'spanish', similarity: 'moment_bm25' });
    expect(requests[2].body.properties.kind).toEqual({ type: 'keyword' });
    expect(requests[2].querystring).toMatchObject({ ignore_unavailable: 'true', allow_no_indices: 'true' });
    const tpl = requests[1].body;
    expect(tpl.index_patterns).toEqual(['p-*']);
    expect(tpl.priority).toBe(101); // 100 + prefix length: more specific prefixes outrank overlapping ones
    expect(tpl.template.settings.index.similarity.moment_bm25).toEqual({ type: 'BM25', k1: 1.4, b: 0.6 });
    expect(tpl.template.mappings.properties.text).toEqual({ type: 'text', analyzer: 'english', similarity: 'moment_bm25' });
    expect(tpl.template.mappings.properties.text_de).toEqual({ type: 'text', analyzer: 'german', similarity: 'moment_bm25' });
    expect(tpl.template.aliases).toEqual({ p: {} });
  });

  it('replaceRecording deletes by recording, creates the decade indices, then bulk-indexes with _id and wait_for', async () => {
    const { on, index, requests } = setup();
    acceptWrites(on);
    await index.replaceRecording('rec-a', [doc(0, '1987-05-01', { speakers: ['Chair', 'Clerk'] }), doc(1, null, { collection: null, analysis: 'es' })]);

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /p/_delete_by_query', 'POST /p.recordings/_delete_by_query', 'PUT /p-1980s', 'PUT /p-undated', 'PUT /p.recordings', 'POST /_bulk', 'PUT /p.recordings/_doc/rec-a',
    ]);
    const [del, , c1980, , recordings, bulk, talk] = requests;
    expect(del.body).toEqual({ query: { term: { recording_id: 'rec-a' } } });
    expect(del.querystring).toMatchObject({ refresh: 'true', ignore_unavailable: 'true', allow_no_indices: 'true' });

    expect(c1980.body.settings.index.similarity.moment_bm25).toEqual({ type: 'BM25', k1: 1.4, b: 0.6 });
    expect(c1980.body.mappings.properties).toEqual({
      moment_id: { type: 'keyword' },
      recording_id: { type: 'keyword' },
      collection: { type: 'keyword' },
      speakers: { type: 'keyword' },
      recorded_at: { type: 'date' },
      start: { type: 'float' },
      end: { type: 'float' },
      kind: { type: 'keyword' },
      text: { type: 'text', analyzer: 'english', similarity: 'moment_bm25' },
      text_es: { type: 'text', analyzer: 'spanish', similarity: 'moment_bm25' },
      text_de: { type: 'text', analyzer: 'german', similarity: 'moment_bm25' },
      text_other: { type: 'text', analyzer: 'standard', similarity: 'moment_bm25' },
    });
    expect(c1980.body.aliases).toEqual({ p: {} });

    expect(bulk.querystring).toMatchObject({ refresh: 'wait_for' });
    expect(bulk.body).toEqual([
      { index: { _index: 'p-1980s', _id: 'rec-a#0' } },
      { moment_id: 'rec-a#0', recording_id: 'rec-a', recorded_at: '1987-05-01', collection: 'council', speakers: ['Chair', 'Clerk'], start: 0, end: 60, text: 'passage 0', kind: 'speech' },
      { index: { _index: 'p-undated', _id: 'rec-a#1' } },
      // A Spanish moment's text is in the Spanish field, analysed with the Spanish analyzer.
      { moment_id: 'rec-a#1', recording_id: 'rec-a', recorded_at: null, collection: null, speakers: ['Chair'], start: 60, end: 120, text_es: 'passage 1', text_other: 'passage 1', kind: 'speech' },
    ]);
    // The recording as one document, outside the decade indices' pattern and alias, its talk in each language's field.
    expect(recordings.body.mappings.properties).toEqual({
      recording_id: { type: 'keyword' },
      text: { type: 'text', analyzer: 'english', similarity: 'moment_bm25' },
      text_es: { type: 'text', analyzer: 'spanish', similarity: 'moment_bm25' },
      text_de: { type: 'text', analyzer: 'german', similarity: 'moment_bm25' },
      text_other: { type: 'text', analyzer: 'standard', similarity: 'moment_bm25' },
    });
    expect(recordings.body.aliases).toBeUndefined();
    expect(talk.querystring).toMatchObject({ refresh: 'true' });
    expect(talk.body).toEqual({ recording_id: 'rec-a', text: 'passage 0', text_es: 'passage 1', text_other: 'passage 1' });
  });

  it('scores whole recordings on the recordings index, in the question\'s language\'s field, for the ids asked', async () => {
    const { on, index, requests } = setup();
    on('POST', '/:index/_search', () => hits(['rec-b', 7.5], ['rec-a', 2.25]));
    expect(await index.recordingScores('housing shortage', ['rec-a', 'rec-b'], 'es')).toEqual(new Map([['rec-b', 7.5], ['rec-a', 2.25]]));
    expect(requests[0].path).toBe('/p.recordings/_search');
    expect(requests[0].body).toMatchObject({
      size: 2,
      query: { bool: { must: [{ multi_match: { query: 'housing shortage', fields: ['text_es'] } }], filter: [{ ids: { values: ['rec-a', 'rec-b'] } }] } },
    });
    expect((await index.recordingScores('housing', [])).size).toBe(0);
    expect(requests).toHaveLength(1);
  });

  it('creates each decade index once per process and tolerates resource_already_exists_exception', async () => {
    const { on, index, sent } = setup();
    on('PUT', '/:index', () => responseError(400, 'resource_already_exists_exception', 'index [p-1980s/xyz] already exists'));
    on('POST', '/:index/_delete_by_query', () => ({ deleted: 0, failures: [] }));
    on('POST', '/_bulk', (p) => ({ errors: false, items: actions(p.body).map((a) => ({ index: { ...a, status: 200 } })) }));
    on('PUT', '/:index/_doc/:id', () => ({ result: 'updated' }));
    await index.replaceRecording('rec-a', [doc(0, '1987-05-01')]);
    await index.replaceRecording('rec-a', [doc(0, '1989-01-01')]);
    expect(sent('PUT', '/p-1980s')).toHaveLength(1);
    expect(sent('POST', '/_bulk')).toHaveLength(2);
  });

  it('an empty replacement only deletes; deleteRecording sends the same delete_by_query', async () => {
    const { on, index, requests } = setup();
    acceptWrites(on);
    await index.replaceRecording('rec-a', []);
    await index.deleteRecording('rec-b');
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /p/_delete_by_query', 'POST /p.recordings/_delete_by_query', 'POST /p/_delete_by_query', 'POST /p.recordings/_delete_by_query',
    ]);
    expect(requests[2].body).toEqual({ query: { term: { recording_id: 'rec-b' } } });
    expect(requests[3].body).toEqual({ query: { ids: { values: ['rec-b'] } } });
  });

  it('re-sends only the documents rejected with 429 and then succeeds', async () => {
    const { on, index, sent } = setup();
    let calls = 0;
    acceptWrites(on, (p) => {
      calls++;
      const items = actions(p.body).map((a, i) =>
        calls === 1 && i === 0
          ? { index: { ...a, status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' } } }
          : { index: { ...a, status: 201 } },
      );
      return { errors: items.some((it) => it.index.status >= 300), items };
    });
    await index.replaceRecording('rec-a', [doc(0, '1987-05-01'), doc(1, '1987-05-01')]);
    const bulks = sent('POST', '/_bulk');
    expect(bulks).toHaveLength(2);
    expect(actions(bulks[1].body)).toEqual([{ _index: 'p-1980s', _id: 'rec-a#0' }]);
  });

  it('retries a bulk request rejected as a whole with 429', async () => {
    const { on, index, sent } = setup();
    let calls = 0;
    acceptWrites(on, (p) =>
      ++calls === 1
        ? responseError(429, 'es_rejected_execution_exception', 'rejected execution')
        : { errors: false, items: actions(p.body).map((a) => ({ index: { ...a, status: 201 } })) },
    );
    await index.replaceRecording('rec-a', [doc(0, '1987-05-01')]);
    expect(sent('POST', '/_bulk')).toHaveLength(2);
  });

  it('fails with upstream_error when documents stay throttled or are rejected outright', async () => {
    const throttled = setup();
    acceptWrites(throttled.on, (p) => ({ errors: true, items: actions(p.body).map((a) => ({ index: { ...a, status: 429, error: { type: 'es_rejected_execution_exception', reason: 'x' } } })) }));
    const e1 = await upstreamError(throttled.index.replaceRecording('rec-a', [doc(0, '1987-05-01')]));
    expect(e1.message).toMatch(/Elasticsearch bulk index \(recording rec-a\) still throttled \(429\) for 1 document\(s\) after 4 retries/);
    expect(throttled.sent('POST', '/_bulk')).toHaveLength(5);

    const rejected = setup();
    acceptWrites(rejected.on, (p) => ({
      errors: true,
      items: actions(p.body).map((a) => ({ index: { ...a, status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse field [start]' } } })),
    }));
    const e2 = await upstreamError(rejected.index.replaceRecording('rec-a', [doc(0, '1987-05-01')]));
    expect(e2.message).toBe(
      'Elasticsearch bulk index (recording rec-a) rejected 1 of 1 document(s); first rec-a#0: HTTP 400 document_parsing_exception: failed to parse field [start]',
    );
  });

  it('sends a match query on text with bool filters, and maps hits to momentId/score', async () => {
    const { on, index, requests } = setup();
    on('POST', '/:index/_search', () => hits(['rec-a#1', 7.5], ['rec-b#0', 2.25]));
    const res = await index.search('budget" OR 1=1; (taxes) AND *', { recordingId: 'rec-a', collection: 'council', speaker: 'Chair', from: '1987-01-01', to: '1987-12-31' }, 5);
    expect(res).toEqual([{ momentId: 'rec-a#1', score: 7.5 }, { momentId: 'rec-b#0', score: 2.25 }]);
    const [req] = requests;
    expect(req.path).toBe('/p-1980s/_search');
    expect(req.querystring).toMatchObject({ ignore_unavailable: 'true', allow_no_indices: 'true', search_type: 'dfs_query_then_fetch' });
    expect(req.body).toEqual({
      size: 5,
      _source: false,
      track_total_hits: false,
      query: {
        bool: {
          must: [{ multi_match: { query: 'budget" OR 1=1; (taxes) AND *', fields: ['text', 'text_es', 'text_de', 'text_other'], type: 'most_fields', operator: 'or', zero_terms_query: 'none' } }],
          filter: [
            { term: { recording_id: 'rec-a' } },
            { term: { collection: 'council' } },
            { term: { speakers: 'Chair' } },
            { range: { recorded_at: { gte: '1987-01-01||/d', lte: '1987-12-31||/d' } } },
          ],
        },
      },
    });
    expect(JSON.stringify(req.body)).not.toContain('query_string');
  });

  it("sends a question's own function words to its language's fields only, its other words to every field, and needs one of those", async () => {
    const { on, index, requests } = setup();
    on('POST', '/:index/_search', () => hits());
    const match = (query: string, fields: string[]) => ({ multi_match: { query, fields, type: 'most_fields', operator: 'or', zero_terms_query: 'none' } });
    await index.search('Wann schloss die Werft in Kelmouth?', {}, 10, 'de');
    expect(requests[0].body.query.bool.must).toEqual([{
      bool: {
        should: [match('Wann schloss die Werft in Kelmouth?', ['text_de', 'text_other']), match('Wann schloss Werft Kelmouth?', ['text', 'text_es'])],
        minimum_should_match: 1,
        // "die" and "in" as said weigh in the score; a moment must hold one of the other words to match.
        filter: [match('Wann schloss Werft Kelmouth?', ['text', 'text_es', 'text_de', 'text_other'])],
      },
    }]);
    await index.count('once the crew died', {}, 'en');
    expect(requests[1].body.query.bool.must).toEqual([{ bool: { should: [match('once the crew died', ['text']), match('crew died', ['text_es', 'text_de', 'text_other'])], minimum_should_match: 1 } }]);
    // No stop word of its language: the plain query; nothing but stop words: its own fields alone.
    await index.search('Kelmouth harbour', {}, 10, 'en');
    expect(requests[2].body.query.bool.must).toEqual([match('Kelmouth harbour', ['text', 'text_es', 'text_de', 'text_other'])]);
    await index.facets('die', {}, 'de');
    expect(requests[3].body.query.bool.must).toEqual([{ bool: { should: [match('die', ['text_de', 'text_other'])], minimum_should_match: 1 } }]);
  });

  it('routes by date: alias without a range, only overlapping decades (never undated) with one', async () => {
    const { on, index, requests } = setup();
    on('POST', '/:index/_search', () => hits());
    await index.search('housing', {}, 10);
    await index.search('housing', { from: '1985-01-01', to: '1995-12-31' }, 10);
    await index.search('housing', { from: '2075-06-01' }, 10);
    await index.search('housing', { to: '1819-12-31' }, 10);
    expect(requests.map((r) => r.path)).toEqual([
      '/p/_search',
      '/p-1980s,p-1990s/_search',
      '/p-2070s,p-2080s,p-2090s,p-2100s/_search',
      '/p-1800s,p-1810s/_search',
    ]);
    expect(requests[0].body.query.bool.filter).toEqual([]);
    expect(requests[2].body.query.bool.filter).toEqual([{ range: { recorded_at: { gte: '2075-06-01||/d' } } }]);
  });

  it('asks for each quoted phrase as a phrase of every language field, in search, count and facets', async () => {
    const { on, index, requests } = setup();
    on('POST', '/:index/_search', () => hits(['rec-a#0', 3]));
    on('POST', '/:index/_count', () => ({ count: 1 }));
    await index.search('fair rent scheme', { phrases: ['fair rent', 'rent scheme'], collection: 'council' }, 5);
    await index.count('fair rent', { phrases: ['fair rent'] });
    await index.facets('fair rent', { phrases: ['fair rent'] });
    const phrase = (query: string) => ({ multi_match: { query, type: 'phrase', fields: ['text', 'text_es', 'text_de', 'text_other'] } });
    expect(requests[0].body.query.bool.filter).toEqual([{ term: { collection: 'council' } }, phrase('fair rent'), phrase('rent scheme')]);
    expect(requests[1].body.query.bool.filter).toEqual([phrase('fair rent')]);
    expect(requests[2].body.query.bool.filter).toEqual([phrase('fair rent')]);
  });

  it('filters by kind: screen is the term, speech is "not screen" so documents indexed before kinds count as speech', async () => {
    const { on, index, requests } = setup();
    acceptWrites(on);
    on('POST', '/:index/_search', () => hits(['rec-a#f0', 3]));
    on('POST', '/:index/_count', () => ({ count: 1 }));
    await index.replaceRecording('rec-a', [doc(0, null), doc(1, null, { momentId: 'rec-a#f0', kind: 'screen', text: 'HARBOUR COUNCIL' })]);
    const bulk = requests.find((r) => r.path === '/_bulk')!;
    expect(bulk.body.filter((l: { kind?: string }) => l.kind).map((l: { kind: string }) => l.kind)).toEqual(['speech', 'screen']);
    await index.search('harbour', { kind: 'screen' }, 5);
    await index.search('harbour', { kind: 'speech', collection: 'council' }, 5);
    await index.count('harbour', { kind: 'screen' });
    const searches = requests.filter((r) => r.path.endsWith('/_search'));
    expect(searches[0].body.query.bool.filter).toEqual([{ term: { kind: 'screen' } }]);
    expect(searches[1].body.query.bool.filter).toEqual([{ term: { collection: 'council' } }, { bool: { must_not: [{ term: { kind: 'screen' } }] } }]);
    expect(searches[2].body).toMatchObject({ size: 0, query: { bool: { filter: [{ term: { kind: 'screen' } }] } } });
  });

  it('short-circuits blank queries, zero limits and inverted ranges without a request', async () => {
    const { index, requests } = setup();
    expect(await index.search('', {}, 10)).toEqual([]);
    expect(await index.search('  \n ', {}, 10)).toEqual([]);
    expect(await index.search('housing', {}, 0)).toEqual([]);
    expect(await index.search('housing', { from: '1990-01-01', to: '1980-01-01' }, 10)).toEqual([]);
    expect(requests).toEqual([]);
    await expect(index.search('housing', { from: '1987' }, 10)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('counts through the alias', async () => {
    const { on, index, requests } = setup();
    on('GET', '/:index/_count', () => ({ count: 42, _shards: { total: 2, successful: 2, skipped: 0, failed: 0 } }));
    expect(await index.count()).toBe(42);
    expect(requests[0].path).toBe('/p/_count');
    expect(requests[0].querystring).toMatchObject({ ignore_unavailable: 'true', allow_no_indices: 'true' });
  });

  it('counts a query\'s matches with track_total_hits and the search\'s query, reading the relation', async () => {
    const { on, index, requests } = setup();
    const totals = [{ value: 7, relation: 'eq' }, { value: 10_000, relation: 'gte' }];
    on('POST', '/:index/_search', () => ({ ...hits(), hits: { total: totals.shift(), max_score: null, hits: [] } }));
    expect(await index.count('housing', { collection: 'council', from: '1987-01-01', to: '1987-12-31' })).toEqual({ value: 7, relation: 'eq' });
    expect(await index.count('the housing', {})).toEqual({ value: 10_000, relation: 'gte' });
    expect(requests.map((r) => r.path)).toEqual(['/p-1980s/_search', '/p/_search']);
    expect(requests[0].body).toEqual({
      size: 0,
      track_total_hits: 10_000,
      query: {
        bool: {
          must: [{ multi_match: { query: 'housing', fields: ['text', 'text_es', 'text_de', 'text_other'], type: 'most_fields', operator: 'or', zero_terms_query: 'none' } }],
          filter: [{ term: { collection: 'council' } }, { range: { recorded_at: { gte: '1987-01-01||/d', lte: '1987-12-31||/d' } } }],
        },
      },
    });
    // Blank queries and ranges that hold no decade are 0 without a request.
    expect(await index.count('  ', {})).toEqual({ value: 0, relation: 'eq' });
    expect(await index.count('housing', { from: '1990-01-01', to: '1980-01-01' })).toEqual({ value: 0, relation: 'eq' });
    expect(requests).toHaveLength(2);
  });

  it('counts facets with aggregations (terms, a yearly histogram, recording cardinality), folding years into decades', async () => {
    const { on, index, requests } = setup();
    const rec = (value: number) => ({ recordings: { value } });
    on('POST', '/:index/_search', () => ({
      ...hits(),
      hits: { total: { value: 9, relation: 'eq' }, max_score: null, hits: [] },
      aggregations: {
        recordings: { value: 4 },
        collection: { buckets: [{ key: 'council', doc_count: 3, ...rec(1) }, { key: 'radio', doc_count: 5, ...rec(2) }] },
        speaker: { buckets: [{ key: 'Host', doc_count: 2, ...rec(1) }, { key: 'Chair', doc_count: 2, ...rec(1) }] },
        year: {
          buckets: [
            { key: 94694400000, key_as_string: '1973', doc_count: 1, ...rec(1) },
            { key: 63072000000, key_as_string: '1972', doc_count: 4, ...rec(1) },
            { key: 536457600000, key_as_string: '1987', doc_count: 3, ...rec(1) },
          ],
        },
      },
    }));
    const f = await index.facets('housing', { speaker: 'Host', from: '1970-01-01', to: '1989-12-31' });
    expect(f).toEqual({
      moments: 9,
      recordings: 4,
      collection: [{ value: 'radio', moments: 5, recordings: 2 }, { value: 'council', moments: 3, recordings: 1 }],
      year: [{ value: '1972', moments: 4, recordings: 1 }, { value: '1973', moments: 1, recordings: 1 }, { value: '1987', moments: 3, recordings: 1 }],
      decade: [{ value: '1970s', moments: 5, recordings: 2 }, { value: '1980s', moments: 3, recordings: 1 }],
      speaker: [{ value: 'Chair', moments: 2, recordings: 1 }, { value: 'Host', moments: 2, recordings: 1 }],
    });
    expect(requests[0].path).toBe('/p-1970s,p-1980s/_search');
    const cardinality = { recordings: { cardinality: { field: 'recording_id', precision_threshold: 40_000 } } };
    expect(requests[0].body).toEqual({
      size: 0,
      track_total_hits: true,
      query: {
        bool: {
          must: [{ multi_match: { query: 'housing', fields: ['text', 'text_es', 'text_de', 'text_other'], type: 'most_fields', operator: 'or', zero_terms_query: 'none' } }],
          filter: [{ term: { speakers: 'Host' } }, { range: { recorded_at: { gte: '1970-01-01||/d', lte: '1989-12-31||/d' } } }],
        },
      },
      aggs: {
        ...cardinality,
        collection: { terms: { field: 'collection', size: 50 }, aggs: cardinality },
        speaker: { terms: { field: 'speakers', size: 50 }, aggs: cardinality },
        year: { date_histogram: { field: 'recorded_at', calendar_interval: 'year', format: 'yyyy', min_doc_count: 1 }, aggs: cardinality },
      },
    });
    // Browsing (no query): the filters alone, through the alias.
    await index.facets(null, { collection: 'radio' });
    expect(requests[1].path).toBe('/p/_search');
    expect(requests[1].body.query).toEqual({ bool: { filter: [{ term: { collection: 'radio' } }] } });
    // A blank query matches nothing, without a request.
    expect(await index.facets(' ', {})).toMatchObject({ moments: 0, recordings: 0, year: [] });
    expect(requests).toHaveLength(2);
  });

  it('compacts by expunging deleted documents from the decade and recordings indices, reporting the store size', async () => {
    const { on, index, sent } = setup();
    on('GET', '/', () => ({ name: 'n', cluster_name: 'c', cluster_uuid: 'u', version: { number: '9.0.0' }, tagline: 'You Know, for Search' }));
    on('PUT', '/_index_template/:name', () => ({ acknowledged: true }));
    on('PUT', '/:index/_mapping', () => ({ acknowledged: true }));
    let merged = false;
    on('GET', '/:index/_stats/store', (p) => (p.path === '/p/_stats/store'
      ? { _all: { primaries: { store: { size_in_bytes: merged ? 600 : 900 } } }, indices: { 'p-1980s': {}, 'p-undated': {} } }
      : { _all: { primaries: { store: { size_in_bytes: merged ? 100 : 100 } } }, indices: { 'p.recordings': {} } }));
    on('POST', '/:index/_forcemerge', () => ((merged = true), { _shards: { total: 3, successful: 3, failed: 0 } }));
    expect(await index.compact()).toEqual({ bytesBefore: 1000, bytesAfter: 700, rewritten: ['p-1980s', 'p-undated', 'p.recordings'] });
    expect(sent('GET', '/_stats/store').map((r) => r.path).sort()).toEqual(['/p.recordings/_stats/store', '/p/_stats/store', '/p.recordings/_stats/store', '/p/_stats/store'].sort());
    const [merge] = sent('POST', '/_forcemerge');
    expect(merge.path).toBe('/p-1980s,p-undated,p.recordings/_forcemerge');
    expect(merge.querystring).toMatchObject({ only_expunge_deletes: 'true', wait_for_completion: 'true' });
  });

  it('compacts the decade indices of an archive written before recordings were kept whole (no recordings index)', async () => {
    const { on, index, sent } = setup();
    on('GET', '/', () => ({ name: 'n', cluster_name: 'c', cluster_uuid: 'u', version: { number: '9.0.0' }, tagline: 'You Know, for Search' }));
    on('PUT', '/_index_template/:name', () => ({ acknowledged: true }));
    on('PUT', '/:index/_mapping', () => ({ acknowledged: true }));
    on('GET', '/:index/_stats/store', (p) => (p.path === '/p/_stats/store'
      ? { _all: { primaries: { store: { size_in_bytes: 900 } } }, indices: { 'p-1980s': {} } }
      : responseError(404, 'index_not_found_exception', 'no such index [p.recordings]')));
    on('POST', '/:index/_forcemerge', () => ({ _shards: { total: 1, successful: 1, failed: 0 } }));
    expect(await index.compact()).toEqual({ bytesBefore: 900, bytesAfter: 900, rewritten: ['p-1980s'] });
    expect(sent('POST', '/_forcemerge')[0].path).toBe('/p-1980s/_forcemerge');
  });

  it('compacts nothing before the first write (no index yet)', async () => {
    const { on, index, sent } = setup();
    on('GET', '/', () => ({ name: 'n', cluster_name: 'c', cluster_uuid: 'u', version: { number: '9.0.0' }, tagline: 'You Know, for Search' }));
    on('PUT', '/_index_template/:name', () => ({ acknowledged: true }));
    on('PUT', '/:index/_mapping', () => ({ acknowledged: true }));
    on('GET', '/:index/_stats/store', () => responseError(404, 'index_not_found_exception', 'no such index [p]'));
    expect(await index.compact()).toEqual({ bytesBefore: 0, bytesAfter: 0, rewritten: [] });
    expect(sent('POST', '/_forcemerge')).toEqual([]);
  });

  it('reads a missing alias (index_not_found_exception) as empty; reports delete_by_query failures', async () => {
    const { on, index } = setup();
    on('GET', '/:index/_count', () => responseError(404, 'index_not_found_exception', 'no such index [p]'));
    on('POST', '/:index/_search', () => responseError(404, 'index_not_found_exception', 'no such index [p]'));
    on('POST', '/:index/_delete_by_query', () => ({
      deleted: 0,
      failures: [{ index: 'p-1980s', id: 'rec-a#0', status: 409, cause: { type: 'version_conflict_engine_exception', reason: 'version conflict' } }],
    }));
    expect(await index.count()).toBe(0);
    expect(await index.search('housing', {}, 10)).toEqual([]);
    const err = await upstreamError(index.deleteRecording('rec-a'));
    expect(err.message).toBe('Elasticsearch delete_by_query (recording rec-a) failed for 1 document(s); first version_conflict_engine_exception: version conflict');
  });

  it('maps a 500 to upstream_error naming Elasticsearch, the operation and the cause', async () => {
    const { on, index } = setup();
    on('POST', '/:index/_search', () => responseError(500, 'search_phase_execution_exception', 'all shards failed'));
    const err = await upstreamError(index.search('housing', {}, 10));
    expect(err.message).toBe('Elasticsearch search failed: HTTP 500 search_phase_execution_exception: all shards failed');
    expect(err.details).toMatchObject({ engine: 'elasticsearch', operation: 'search', status: 500 });
  });

  it('starts with the cluster unreachable, and installs the template before the first write once it answers', async () => {
    const { on, index, requests } = setup();
    let up = false;
    on('GET', '/', () => (up ? { name: 'n', cluster_name: 'c', version: { number: '8.13.0' }, tagline: 'You Know, for Search' } : new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200')));
    on('PUT', '/_index_template/:name', () => ({ acknowledged: true }));
    on('PUT', '/:index/_mapping', () => ({ acknowledged: true }));
    acceptWrites(on);
    await index.init(); // degraded, not fatal
    const err = await upstreamError(index.replaceRecording('rec-a', [doc(0, '1987-05-01')]));
    expect(err.message).toBe('Elasticsearch connect failed: cannot reach the cluster (connect ECONNREFUSED 127.0.0.1:9200)');
    expect(new Set(requests.map((r) => `${r.method} ${r.path}`))).toEqual(new Set(['GET /'])); // nothing deleted or written
    const before = requests.length;
    up = true;
    await index.replaceRecording('rec-a', [doc(0, '1987-05-01')]);
    expect(requests.map((r) => `${r.method} ${r.path}`).slice(before, before + 2)).toEqual(['GET /', 'PUT /_index_template/p-decades']);
    expect(requests.at(-2)!.path).toBe('/_bulk');
    await index.replaceRecording('rec-a', [doc(1, '1987-05-01')]);
    expect(requests.filter((r) => r.path.startsWith('/_index_template')).length).toBe(1); // once per process
  });

  it('refuses to start when the cluster answers with an error (bad credentials)', async () => {
    const { on, index } = setup();
    on('GET', '/', () => responseError(401, 'security_exception', 'unable to authenticate user'));
    const err = await upstreamError(index.init());
    expect(err.message).toBe('Elasticsearch connect failed: HTTP 401 security_exception: unable to authenticate user');
  });

  it('maps a connection error (mocked, then a real refused port) to upstream_error', async () => {

    // Port 1 on loopback: nothing listens there, so the real HTTP connection gets a genuine ECONNREFUSED.
    // (maxRetries 0 only to skip the transport's back-off between attempts.)
    const refused = new ElasticsearchLexicalIndex({ client: new Client({ node: 'http://127.0.0.1:1', maxRetries: 0 }), indexPrefix: 'p' });
    const err2 = await upstreamError(refused.count());
    expect(err2.message).toMatch(/^Elasticsearch count failed: cannot reach the cluster \(.*ECONNREFUSED/);
    expect(err2.details).toMatchObject({ engine: 'elasticsearch', operation: 'count' });
  });

  it('rejects invalid configuration and mismatched documents early', async () => {
    expect(() => new ElasticsearchLexicalIndex({ indexPrefix: 'Moments', node: 'http://x:9200' })).toThrow(/index prefix/);
    expect(() => new ElasticsearchLexicalIndex({ indexPrefix: 'moments' })).toThrow(/ES_URL/);
    const { index, requests } = setup();
    await expect(index.replaceRecording('rec-a', [doc(0, '1987-05-01', { recordingId: 'rec-b' })])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(index.replaceRecording('rec-a', [doc(0, 'May 1987')])).rejects.toMatchObject({ code: 'bad_request' });
    expect(requests).toEqual([]); // nothing was deleted before the input was found invalid
  });
});
