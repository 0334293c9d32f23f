import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, engineSettings, loadConfig } from '../../src/core/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The variables named in the first column of the README's configuration table. */
function readmeVariables(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const first = /^\|([^|]+)\|/.exec(line)?.[1];
    for (const m of first?.matchAll(/`([A-Z][A-Z0-9_]+)`/g) ?? []) names.add(m[1]);
  }
  return [...names].sort();
}

describe('configuration', () => {
  it('the README table names every variable the service reads, and only those', () => {
    expect(readmeVariables()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('no module reads the environment except the configuration', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|tsx|mjs)$/.test(e.name) && !p.endsWith(path.join('src', 'core', 'config.ts'))) {
          // PATH is the operating system's lookup of binaries, not a setting of the service.
          if (/process\.env\.(?!PATH\b)|process\.env\[/.test(fs.readFileSync(p, 'utf8'))) offenders.push(path.relative(ROOT, p));
        }
      }
    };
    walk(path.join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });

  it('a bad engine setting stops start-up naming the variable, instead of falling back to a default', () => {
    expect(() => loadConfig({ ASR_CHUNK_S: 'abc' })).toThrow(/ASR_CHUNK_S/);
    expect(() => loadConfig({ DIARIZATION: 'magic' })).toThrow(/DIARIZATION/);
    expect(() => loadConfig({ ASR_ENGINE: 'kaldi' })).toThrow(/ASR_ENGINE/);
    expect(() => engineSettings({ ASR_OVERLAP_S: '-1' })).toThrow(/ASR_OVERLAP_S/);
    expect(() => loadConfig({ ASR_BASE_URL: 'not a url' })).toThrow(/ASR_BASE_URL/);
  });

  it('engine settings are normalised as the engines expect them', () => {
    const e = engineSettings({ ASR_ENGINE: ' Whisper ', DIARIZATION: '', ASR_CHUNK_S: '20' });
    expect(e).toMatchObject({ ASR_ENGINE: 'whisper', DIARIZATION: 'basic', ASR_CHUNK_S: 20, ASR_OVERLAP_S: 3 });
  });
});
