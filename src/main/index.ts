/**
 * main: the composition and the entry points. `openServices` wires the database, the stores, the indexes,
 * the embedder, the cache and the blob store from the configuration into one `Services`; cli.ts (the
 * `speech-archive` command), server.ts and worker.ts are run, not imported, and the key commands and the
 * admin socket serve the CLI. Nothing in src/ imports main; this facade offers the composition to code
 * outside src/ (scripts, tests).
 */
export { openServices } from './services.js';
export type { ServiceOptions } from './services.js';
