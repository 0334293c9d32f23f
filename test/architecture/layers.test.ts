/**
 * The dependency direction of src/: one folder per capability, each in a layer, and a module imports only from
 * its own folder or from a lower layer:
 *
 *   main → http → (ingest | answer → retrieval) → (archive | indexes) → platform → core
 *
 * Folders on one layer do not import each other, except answer → retrieval. Nothing imports main but main.
 * Only the stores (archive, indexes), the infrastructure (platform) and the composition (main) touch the
 * database: no other file imports src/platform/db or reaches for a `db` handle (`s.db`, `x.db.query`).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');

/** Higher layers may import lower ones. */
const LAYER: Record<string, number> = {
  core: 0,
  platform: 1,
  archive: 2,
  indexes: 2,
  ingest: 3,
  retrieval: 3,
  answer: 3,
  http: 4,
  main: 5,
};
/** Imports between folders of one layer that the rule allows. */
const ACROSS = new Set(['answer → retrieval']);
/** The folders that may use the database directly. */
const DB_FOLDERS = new Set(['archive', 'indexes', 'platform', 'main']);

/** Why `from` may not import `to` (both folders under src/), or null when it may. */
function layerViolation(from: string, to: string): string | null {
  if (!(from in LAYER)) return `src/${from} is not a known folder (add it to the layers)`;
  if (!(to in LAYER)) return `src/${to} is not a known folder (add it to the layers)`;
  if (from === to || LAYER[to] < LAYER[from] || ACROSS.has(`${from} → ${to}`)) return null;
  return `${from} may not import ${to}: ${LAYER[to] === LAYER[from] ? 'same layer' : 'higher layer'}`;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** The file a relative specifier names: `x.js` is written for `x.ts` or `x.tsx`. */
function resolve(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? base;
}

/** The capability folder of a path under src/ ('core', 'http', …), or null outside src/ or at its top. */
function folderOf(file: string): string | null {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : null;
}

const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');

interface Import {
  file: string;
  spec: string;
  target: string;
}

function relativeImports(): Import[] {
  return sourceFiles(SRC).flatMap((file) =>
    ts
      .preProcessFile(fs.readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((i) => i.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ file, spec, target: resolve(file, spec) })),
  );
}

describe('the dependency direction of src/', () => {
  it('every file is in a capability folder', () => {
    const stray = sourceFiles(SRC).filter((f) => {
      const folder = folderOf(f);
      return folder === null || !(folder in LAYER);
    });
    expect(stray.map(rel)).toEqual([]);
  });

  it('imports go to the same folder or a lower layer', () => {
    const offending: string[] = [];
    for (const { file, spec, target } of relativeImports()) {
      const from = folderOf(file)!;
      const to = folderOf(target);
      const why = to === null ? 'outside the capability folders of src/' : layerViolation(from, to);
      if (why) offending.push(`${rel(file)} → ${rel(target)} (${why})`);
    }
    expect(offending).toEqual([]);
  });

  it('only archive, indexes, platform and main touch the database', () => {
    const DB = path.join(SRC, 'platform', 'db');
    const offending: string[] = [];
    for (const { file, spec, target } of relativeImports()) {
      if (DB_FOLDERS.has(folderOf(file)!)) continue;
      if (target === DB || target.startsWith(DB + path.sep)) offending.push(`${rel(file)} → ${rel(target)} (imports the database)`);
    }
    for (const file of sourceFiles(SRC)) {
      if (DB_FOLDERS.has(folderOf(file)!)) continue;
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\.db\b/.test(line)) offending.push(`${rel(file)}:${i + 1} → ${line.trim()} (uses a db handle)`);
        });
    }
    expect(offending).toEqual([]);
  });

  it('the rule itself refuses imports upwards and across, and allows answer → retrieval', () => {
    expect(layerViolation('core', 'main')).toMatch(/higher layer/);
    expect(layerViolation('retrieval', 'answer')).toMatch(/same layer/);
    expect(layerViolation('archive', 'indexes')).toMatch(/same layer/);
    expect(layerViolation('ingest', 'retrieval')).toMatch(/same layer/);
    expect(layerViolation('answer', 'retrieval')).toBeNull();
    expect(layerViolation('http', 'core')).toBeNull();
    expect(layerViolation('main', 'http')).toBeNull();
  });
});
