import { migrate } from '../../src/platform/db/migrate.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';
import { VECTOR_CASES, vectorIndexContract } from '../contract/vector.contract.js';
import { skipAllBut } from '../contract/cases.js';
import { createScratchDatabase, serverHasPgvector, startPgliteServer } from '../helpers/postgres.js';

// The `pg` adapter over the wire protocol; the server is PGlite with pgvector, since the local Postgres has none.
vectorIndexContract('pgvector through the pg adapter (PGlite served on a socket)', async () => {
  const srv = await startPgliteServer();
  const db = await openPostgres(srv.url, { max: 1 });
  await migrate(db);
  return {
    index: () => new PgVectorIndex(db),
    async close() {
      await db.close();
      await srv.stop();
    },
  };
});

// The same contract on the machine's own Postgres server, where pgvector is installed there; a fresh machine
// has none (test/db/postgres-server.test.ts checks the error it then gives).
const onServer = async () => {
  const scratch = await createScratchDatabase();
  const db = await openPostgres(scratch.url);
  await migrate(db);
  return {
    index: () => new PgVectorIndex(db),
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
};
if (await serverHasPgvector()) vectorIndexContract('pgvector on the local Postgres server', onServer);
else vectorIndexContract('pgvector on the local Postgres server', onServer, skipAllBut(VECTOR_CASES, 'the local Postgres server has no pgvector', []));
