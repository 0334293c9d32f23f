import { protocol, type PGlite } from '@electric-sql/pglite';

/**
 * Named prepared statements for PGlite, which has none of its own: `PGlite.query` sends Parse, Describe,
 * Bind, Describe, Execute and Sync as six calls into the WASM backend for every query, and Postgres parses
 * and plans the text each time. Here a statement is parsed once; each run is Bind, Execute and Sync in one
 * call, and once Postgres settles on a generic plan (after five custom ones, when it costs no more) it is not
 * planned again (what that saves a search is in BENCHMARKS.md, "Design notes: the cost of a search").
 *
 * Only for statements whose result is one column holding one JSON value per row (src/platform/db/rows.ts), so the
 * rows need no type-directed parsing: each row's field is handed back as its text, for jsonRows to parse.
 * Parameters are serialised as PGlite does it, by the types Postgres inferred for them (arrays as array
 * literals).
 */
export class PgliteStatements {
  private readonly statements = new Map<string, { name: string; types: number[] }>();

  constructor(
    private readonly pg: PGlite,
    /** Past this many distinct texts new ones run unprepared: a text built from data must not fill the backend. */
    private readonly max = 256,
  ) {}

  /**
   * Runs `sql` (one JSON column) and returns each row's field as text, or null when the statement limit
   * is reached and it was not prepared (the caller runs it as an ordinary query). `inTransaction`: the caller
   * holds PGlite's transaction lock (inside `pg.transaction`), so only the query lock is taken.
   */
  async run(sql: string, params: unknown[], inTransaction: boolean): Promise<(string | null)[] | null> {
    const pg = this.pg as PGliteInternals;
    const run = () =>
      pg._runExclusiveQuery(async () => {
        const st = this.statements.get(sql) ?? (await this.prepare(sql));
        if (!st) return null;
        const values = params.map((p, i) => serialiseParam(pg, p, st.types[i]));
        // One call: an error in Bind or Execute still reaches the Sync, so the session is ready for the next.
        const messages = await pg.execProtocolStream(
          Buffer.concat([serialize.bind({ statement: st.name, values }), serialize.execute({}), serialize.sync()]),
          { syncToFs: false },
        );
        const out: (string | null)[] = [];
        for (const m of messages) if (m.name === 'dataRow') out.push((m as unknown as { fields: (string | null)[] }).fields[0]);
        return out;
      });
    if (inTransaction) return run();
    const rows = await pg._runExclusiveTransaction(run);
    // As PGlite.query does after a call outside a transaction (a no-op on the Node filesystem).
    await this.pg.syncToFs();
    return rows;
  }

  /** Parse and describe; a statement that fails to parse is not remembered. */
  private async prepare(sql: string): Promise<{ name: string; types: number[] } | null> {
    if (this.statements.size >= this.max) return null;
    const name = `ps${this.statements.size + 1}`;
    const messages = await this.pg.execProtocolStream(
      Buffer.concat([serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()]),
      { syncToFs: false },
    );
    const described = messages.find((m) => m.name === 'parameterDescription') as unknown as { dataTypeIDs: number[] } | undefined;
    const st = { name, types: described?.dataTypeIDs ?? [] };
    this.statements.set(sql, st);
    return st;
  }
}

const { serialize } = protocol;

type PGliteInternals = PGlite & {
  serializers: Record<number, (x: unknown) => string>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
};

function serialiseParam(pg: PGliteInternals, value: unknown, oid: number | undefined): string | null {
  if (value === null || value === undefined) return null;
  const serializer = oid === undefined ? undefined : pg.serializers[oid];
  return serializer ? serializer(value) : String(value);
}
