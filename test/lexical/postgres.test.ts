import { afterAll } from 'vitest';
import { openPglite } from '../../src/db/pglite.js';
import { migrate } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/port.js';
import { PostgresLexicalIndex } from '../../src/store/lexical/postgres.js';
import { describeLexicalContract } from '../contract/lexical-contract.js';

let db: Db | undefined;
afterAll(async () => db?.close());

describeLexicalContract('postgres BM25 on PGlite', async () => {
  db = await openPglite();
  await migrate(db);
  return new PostgresLexicalIndex(db);
});
