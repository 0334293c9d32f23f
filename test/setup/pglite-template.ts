/**
 * One migrated PGlite cluster per test run, dumped to a file that test databases start from
 * (test/helpers/db.ts). Creating a cluster and applying the migrations takes seconds each time; a dump loads in
 * one. The file is named by the migrations and the PGlite version, so a change to either makes a new one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS_DIR } from '../../src/platform/db/migrate.js';
import { openDatabase } from '../../src/platform/db/index.js';

declare module 'vitest' {
  interface ProvidedContext {
    /** Path of the dump of a migrated in-memory database. */
    pgliteTemplate: string;
  }
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, '.tmp', 'pglite-template');

function templateKey(): string {
  const hash = crypto.createHash('sha256');
  hash.update(JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version);
  for (const f of fs.readdirSync(MIGRATIONS_DIR).sort()) hash.update(f).update(fs.readFileSync(path.join(MIGRATIONS_DIR, f)));
  return hash.digest('hex').slice(0, 16);
}

export async function setup(project: TestProject): Promise<void> {
  const file = path.join(DIR, `${templateKey()}.tar`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(DIR, { recursive: true });
    // Those of other migrations only: another run may be writing this one (its partial file) right now.
    for (const old of fs.readdirSync(DIR)) if (!old.startsWith(path.basename(file))) fs.rmSync(path.join(DIR, old), { force: true });
    const db = await openDatabase({ DATABASE_URL: undefined, dataDir: DIR }, { inMemory: true });
    try {
      if (!db.dumpDataDir) throw new Error('the embedded database cannot be dumped');
      const dump = await db.dumpDataDir();
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      fs.renameSync(partial, file);
    } finally {
      await db.close();
    }
  }
  project.provide('pgliteTemplate', file);
}
