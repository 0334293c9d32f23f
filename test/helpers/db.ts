import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { loadPgliteDir } from '../../src/platform/db/index.js';

let template: Blob | undefined;

/** A dump of an in-memory PGlite database with every migration applied, made once per run (test/setup/pglite-template.ts). */
export function migratedTemplate(): Blob {
  template ??= new Blob([fs.readFileSync(inject('pgliteTemplate'))]);
  return template;
}

/** Gives DATA_DIR `dir` an embedded database already migrated, as the first command in it would make. */
export async function seedDataDir(dir: string): Promise<void> {
  await loadPgliteDir(path.join(dir, 'pg'), migratedTemplate());
}
