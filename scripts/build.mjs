// The service runs from dist/: TypeScript compiled by tsc, plus the files the code reads beside itself
// (migrations, the sample archive, the web assets, the embedder's worker script), so that dist/ is what an
// image ships and `node dist/src/main/cli.js` needs neither tsx nor the sources.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.built');
const SOURCES = ['src', 'migrations', 'sample', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** Read at run time relative to the module that reads them; copied to the same place under dist/. */
const COPIED = ['migrations', 'sample', 'src/http/web/assets', 'src/indexes/embed/use-worker.mjs', 'src/indexes/embed/adapters'];

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** dist/ is missing, or a source changed after it was built. */
export function isStale() {
  if (!fs.existsSync(STAMP)) return true;
  // An installed image ships dist/ without the sources: nothing to compare, nothing to rebuild.
  if (!fs.existsSync(path.join(ROOT, 'src'))) return false;
  const built = fs.statSync(STAMP).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(ROOT, s)) > built);
}

/** Compiles into `outDir` (dist/ unless given) and copies what the code reads beside itself. */
export function build({ quiet = false, outDir = DIST } = {}) {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) throw new Error('dist/ is missing or out of date and TypeScript is not installed: run `npm ci` (with dev dependencies) and `npm run build`');
  if (!quiet) process.stderr.write('building dist/ (tsc)…\n');
  fs.rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
  for (const rel of COPIED) fs.cpSync(path.join(ROOT, rel), path.join(outDir, rel), { recursive: true });
  fs.writeFileSync(path.join(outDir, '.built'), `${new Date().toISOString()}\n`);
}

export function ensureBuilt() {
  if (isStale()) build();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
