import fs from 'node:fs';
import { inject } from 'vitest';

let template: Blob | undefined;

/** A dump of an in-memory PGlite database with every migration applied, made once per run (test/setup/pglite-template.ts). */
export function migratedTemplate(): Blob {
  template ??= new Blob([fs.readFileSync(inject('pgliteTemplate'))]);
  return template;
}
