/**
 * The service as it ships: compiled by `npm run build` into a folder of its own and run with plain node (no
 * tsx, no sources). What can break here and nowhere else: a file the code reads beside itself (migrations,
 * the sample archive, web assets, the embedder's worker script) missing from the build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// @ts-expect-error a plain ES module without types
import { build } from '../../scripts/build.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the built service', () => {
  let out: string;
  let data: string;
  let server: ChildProcess;
  let url: string;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    // Inside the project, as dist/ is, so that the build resolves node_modules the same way.
    fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    out = fs.mkdtempSync(path.join(ROOT, '.tmp', 'dist-'));
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-dist-data-'));
    (build as (o: { quiet: boolean; outDir: string }) => void)({ quiet: true, outDir: out });
    server = spawn(process.execPath, [path.join(out, 'src/main/cli.js'), 'serve'], {
      env: { ...process.env, DATA_DIR: data, DATABASE_URL: '', PORT: '0', EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'on', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    server.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    url = await vi.waitFor(
      () => {
        const m = /listening on (http:\S+)/.exec(stdout);
        if (!m) throw new Error(`not listening yet; exit ${server.exitCode}; stderr: ${stderr.slice(-2000)}`);
        return m[1];
      },
      { timeout: 240_000, interval: 200 },
    );
  }, 480_000);

  afterAll(() => {
    server?.kill('SIGTERM');
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('applies its migrations and loads the sample archive', async () => {
    await vi.waitFor(async () => expect((await (await fetch(`${url}/healthz`)).json()).recordings).toBe(12), { timeout: 90_000, interval: 500 });
  });

  it('serves the web pages with their assets', async () => {
    const page = await (await fetch(`${url}/?q=strike`)).text();
    const css = /href="(\/static\/[^"]+\.css[^"]*)"/.exec(page)?.[1];
    expect(css).toBeTruthy();
    const res = await fetch(`${url}${css}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/css/);
  });

  it('ships the embedder worker script beside the embedder', () => {
    expect(fs.existsSync(path.join(out, 'src/indexes/embed/use-worker.mjs'))).toBe(true);
  });

  it('answers --help without tsx', async () => {
    const help = spawn(process.execPath, [path.join(out, 'src/main/cli.js'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    help.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d));
    const code = await new Promise((r) => help.on('exit', r));
    expect(code).toBe(0);
    expect(text).toMatch(/serve/);
  });
});
