import { migrate } from '../../src/platform/db/migrate.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { PgVectorIndex } from '../../src/indexes/vector/pgvector.js';
import { vectorIndexContract } from '../contract/vector.contract.js';
import { startPgliteServer } from '../helpers/postgres.js';

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
