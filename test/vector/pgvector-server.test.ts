import { migrate } from '../../src/platform/db/migrate.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';
import { VECTOR_CASES, vectorIndexContract } from '../contract/vector.contract.js';
import { skipAllBut } from '../contract/cases.js';
import { createScratchDatabase, serverHasPgvector, startPgliteServer } from '../helpers/postgres.js';

/** The contract's setup for PgVectorIndex through the `pg` adapter, on a database `open` provides and `end`s. */
const overTheWire = (open: () => Promise<{ url: string; end: () => Promise<void> }>) => async () => {
  const target = await open();
  const db = await openPostgres(target.url, { max: 1 });
  await migrate(db);
  return {
    index: () => new PgVectorIndex(db),
    async close() {
      await db.close();
      await target.end();
    },
  };
};

// The `pg` adapter over the wire protocol, on PGlite with pgvector: runs on every machine.
vectorIndexContract(
  'pgvector through the pg adapter (PGlite served on a socket)',
  overTheWire(async () => {
    const srv = await startPgliteServer();
    return { url: srv.url, end: () => srv.stop() };
  }),
);

// The same contract on the machine's own Postgres server, where pgvector is installed there; a fresh machine
// has none (test/db/postgres-server.test.ts checks the error it then gives).
const onServer = overTheWire(async () => {
  const scratch = await createScratchDatabase();
  return { url: scratch.url, end: () => scratch.drop() };
});
if (await serverHasPgvector()) vectorIndexContract('pgvector on the local Postgres server', onServer);
else vectorIndexContract('pgvector on the local Postgres server', onServer, skipAllBut(VECTOR_CASES, 'the local Postgres server has no pgvector', []));
