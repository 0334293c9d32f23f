#!/usr/bin/env node
// Runs the built service from dist/. In a checkout with TypeScript installed, dist/ is built first when it is
// missing or older than the sources, so `npm start` after a `git pull` runs what was pulled.
import { ensureBuilt } from '../scripts/build.mjs';

try {
  ensureBuilt();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
await import('../dist/src/main/cli.js');
