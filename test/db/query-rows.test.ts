import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/platform/db/pglite.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import type { Db } from '../../src/platform/db/port.js';
import { createScratchDatabase } from '../helpers/postgres.js';

// Queryable.queryRows: prepared statements (PGlite through the wire protocol, a server through node-postgres)
// must answer as the ordinary query path does, after the plan is cached as much as before it.
const engines: Array<[string, () => Promise<{ db: Db; done(): Promise<void> }>]> = [
  ['pglite', async () => {
    const db = await openPglite();
    return { db, done: () => db.close() };
  }],
  ['postgres server', async () => {
    const scratch = await createScratchDatabase();
    const db = await openPostgres(scratch.url, { max: 3 });
    return { db, done: async () => { await db.close(); await scratch.drop(); } };
  }],
];

const LOOKUP = `SELECT id, v, tags, born FROM t WHERE id = ANY($1::text[]) AND v >= $2 AND ($3::date IS NULL OR born >= $3::date) ORDER BY v DESC LIMIT $4`;

describe.each(engines)('queryRows on %s', (_name, open) => {
  let db: Db;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ db, done } = await open());
    await db.exec(`CREATE TABLE t (id text PRIMARY KEY, v int NOT NULL, tags text[] NOT NULL, born date);
      INSERT INTO t SELECT 'm' || g, g, ARRAY['a' || (g % 3), 'b'], date '2000-01-01' + g FROM generate_series(1, 500) g;`);
  });
  afterAll(async () => done?.());

  it('returns what the ordinary query returns, for every parameter type, before and after the plan is cached', async () => {
    // Well past the five custom plans after which Postgres may switch to a generic one.
    for (let i = 0; i < 12; i++) {
      const ids = Array.from({ length: 5 + i }, (_, k) => `m${1 + ((k * 37 + i * 11) % 500)}`);
      const params = [ids, 10 * i, i % 2 ? `2000-0${1 + (i % 9)}-15` : null, 3 + (i % 4)];
      const expected = await db.query(LOOKUP, params);
      const got = await db.queryRows<Record<string, unknown>>(LOOKUP, params);
      expect(got).toEqual(expected.map((r) => ({ ...r, v: Number(r.v) })));
    }
    if (_name === 'pglite') {
      // The runs above went through one prepared statement, and Postgres counted each of them.
      const prepared = await db.query<{ statement: string; runs: number }>('SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements');
      expect(prepared.filter((p) => p.statement.includes('FROM t WHERE id = ANY')).map((p) => Number(p.runs))).toEqual([12]);
    }
    expect(await db.queryRows(`SELECT $1::text AS s, $2::float8 AS f, $3::int[] AS xs`, ["it's \"quoted\"", 0.25, [1, -2, 3]])).toEqual([
      { s: "it's \"quoted\"", f: 0.25, xs: [1, -2, 3] },
    ]);
    expect(await db.queryRows('SELECT id FROM t WHERE id = $1', ['none'])).toEqual([]);
  });

  it('reports a failed run and leaves the connection usable, inside and outside a transaction', async () => {
    const div = 'SELECT 10 / $1::int AS q';
    expect(await db.queryRows(div, [5])).toEqual([{ q: 2 }]);
    await expect(db.queryRows(div, [0])).rejects.toMatchObject({ code: '22012' });
    expect(await db.queryRows(div, [2])).toEqual([{ q: 5 }]);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id, v, tags) VALUES ($1, 1, $2)', ['tx-row', ['x']]);
        return tx.queryRows(div, [0]);
      }),
    ).rejects.toMatchObject({ code: '22012' });
    // The failed transaction was rolled back as a whole.
    expect(await db.queryRows('SELECT id FROM t WHERE id = $1', ['tx-row'])).toEqual([]);
    await expect(db.queryRows('SELECT nonsense FROM', [])).rejects.toThrow();
    expect(await db.transaction((tx) => tx.queryRows(div, [10]))).toEqual([{ q: 1 }]);
  });

  it('keeps answering while other calls and transactions interleave with it', async () => {
    const out = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 3 === 0
          ? db.transaction(async (tx) => {
              await tx.exec('SET LOCAL enable_seqscan = off');
              return tx.queryRows<{ v: number }>('SELECT v FROM t WHERE id = $1', [`m${i + 1}`]);
            })
          : i % 3 === 1
            ? db.queryRows<{ v: number }>('SELECT v FROM t WHERE id = $1', [`m${i + 1}`])
            : db.query<{ v: number }>('SELECT v FROM t WHERE id = $1', [`m${i + 1}`]),
      ),
    );
    expect(out.map((rows) => Number(rows[0]?.v))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('follows a table dropped and made again under the same name', async () => {
    const sql = 'SELECT count(*)::int AS n FROM u WHERE k >= $1';
    await db.exec('CREATE TABLE u (k int); INSERT INTO u SELECT generate_series(1, 10)');
    for (let i = 0; i < 7; i++) expect(await db.queryRows(sql, [1])).toEqual([{ n: 10 }]);
    await db.exec('DROP TABLE u; CREATE TABLE u (k bigint, extra text); INSERT INTO u SELECT generate_series(1, 4), null');
    expect(await db.queryRows(sql, [2])).toEqual([{ n: 3 }]);
  });
});

describe('PGlite statement limit', () => {
  it('runs texts past the limit as ordinary queries, inside and outside transactions', async () => {
    const db = await openPglite(undefined, { statementLimit: 1 });
    const texts = ['SELECT $1::int AS x', 'SELECT $1::int + 1 AS x', 'SELECT $1::int + 2 AS x'];
    for (let round = 0; round < 2; round++) {
      expect(await Promise.all(texts.map((t) => db.queryRows(t, [1])))).toEqual([[{ x: 1 }], [{ x: 2 }], [{ x: 3 }]]);
      expect(await db.transaction((tx) => Promise.all(texts.map((t) => tx.queryRows(t, [1]))))).toEqual([[{ x: 1 }], [{ x: 2 }], [{ x: 3 }]]);
    }
    await db.close();
  });
});
