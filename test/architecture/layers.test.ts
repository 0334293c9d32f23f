/**
 * The dependency direction of src/: one folder per capability, each in a layer, and a module imports only from
 * its own folder or from a lower layer:
 *
 *   main → http → (ingest | answer → retrieval) → (archive | indexes) → platform → core
 *
 * Folders on one layer do not import each other, except answer → retrieval. Nothing imports main but main.
 * Only the stores (archive, indexes), the infrastructure (platform) and the composition (main) touch the
 * database: no other file imports src/platform/db, takes what platform's front door re-exports from it, or
 * reaches for a `db` handle (`s.db`, `x.db.query`).
 *
 * Each folder has one front door, src/<folder>/index.ts, that re-exports what the other folders use: an
 * import from another folder names that file, never one behind it; a file never imports its own folder's
 * front door (it imports the file directly, so the re-exports cannot form a cycle).
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

/** The front door of a capability folder: the one file other folders import from it. */
const facadeOf = (folder: string) => path.join(SRC, folder, 'index.ts');

/** Why `file` (in folder `from`) may not import `target` (in folder `to`) as it does, or null when it may. */
function facadeViolation(file: string, from: string, target: string, to: string): string | null {
  if (from !== to) return target === facadeOf(to) ? null : `goes behind the front door of ${to}: import src/${to}/index.ts`;
  if (target === facadeOf(from) && file !== target) return `imports its own folder's front door: import the file directly`;
  return null;
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

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
}

/** The names each static import or re-export of a relative module takes from it. */
function namedImports(): (Import & { names: string[] })[] {
  return sourceFiles(SRC).flatMap((file) =>
    parse(file).statements.flatMap((st) => {
      if (!(ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) return [];
      const spec = st.moduleSpecifier.text;
      if (!spec.startsWith('.')) return [];
      const bindings = ts.isImportDeclaration(st) ? st.importClause?.namedBindings : st.exportClause;
      const names = bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings)) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : [];
      return [{ file, spec, target: resolve(file, spec), names }];
    }),
  );
}

/** The names `facade` re-exports from files under `dir`. */
function namesReexportedFrom(facade: string, dir: string): Set<string> {
  const names = new Set<string>();
  for (const st of parse(facade).statements) {
    if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    if (!resolve(facade, st.moduleSpecifier.text).startsWith(dir + path.sep)) continue;
    if (st.exportClause && ts.isNamedExports(st.exportClause)) for (const e of st.exportClause.elements) names.add(e.name.text);
  }
  return names;
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

  it('every folder has a front door, src/<folder>/index.ts', () => {
    expect(Object.keys(LAYER).filter((folder) => !fs.existsSync(facadeOf(folder)))).toEqual([]);
  });

  it('imports from another folder go through its front door, and never to one\'s own', () => {
    const offending: string[] = [];
    for (const { file, spec, target } of relativeImports()) {
      const from = folderOf(file)!;
      const to = folderOf(target);
      if (to === null) continue; // outside the capability folders: the layer rule names it
      const why = facadeViolation(file, from, target, to);
      if (why) offending.push(`${rel(file)} → ${spec} (${why})`);
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
    const dbNames = namesReexportedFrom(facadeOf('platform'), DB);
    for (const { file, target, names } of namedImports()) {
      if (DB_FOLDERS.has(folderOf(file)!) || target !== facadeOf('platform')) continue;
      for (const name of names.filter((n) => dbNames.has(n))) offending.push(`${rel(file)} → ${name} (the database, from src/platform/index.ts)`);
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

  it('the front-door rule refuses a file behind another folder\'s index.ts, and one\'s own index.ts', () => {
    const at = (p: string) => path.join(SRC, p);
    expect(facadeViolation(at('http/api/app.ts'), 'http', at('archive/jobs.ts'), 'archive')).toMatch(/front door of archive/);
    expect(facadeViolation(at('main/services.ts'), 'main', at('platform/db/index.ts'), 'platform')).toMatch(/front door of platform/);
    expect(facadeViolation(at('ingest/bulk.ts'), 'ingest', at('ingest/index.ts'), 'ingest')).toMatch(/own folder/);
    expect(facadeViolation(at('http/api/app.ts'), 'http', at('archive/index.ts'), 'archive')).toBeNull();
    expect(facadeViolation(at('ingest/bulk.ts'), 'ingest', at('ingest/pipeline/runtime.ts'), 'ingest')).toBeNull();
  });
});
