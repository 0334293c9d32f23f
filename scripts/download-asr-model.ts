/**
 * Downloads sherpa-onnx models for the audio pipeline into ./models/ (needs internet; the app itself never
 * downloads anything):
 *
 *   npm run download-asr-model -- [whisper-name] [--diarization] [--out <dir>] [--force]
 *
 *   whisper-name   tiny.en | base.en (default) | small.en | medium.en | tiny | base | small | medium |
 *                  large-v3 | distil-small.en | …  → models/sherpa-onnx-whisper-<name>/ for ASR_ENGINE=whisper
 *   --diarization  also pyannote segmentation-3.0 + a speaker-embedding model for DIARIZATION=sherpa
 *   --no-whisper   only the diarization models
 *
 * Archives are .tar.bz2 and unpacked with the system `tar` (needs bzip2). SHERPA_RELEASES_URL points at a
 * mirror of https://github.com/k2-fsa/sherpa-onnx/releases/download.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { pathToFileURL } from 'node:url';
import { DEFAULT_EMBEDDING, DEFAULT_SEGMENTATION } from '../src/ingest/audio/diarize/sherpa.js';

const RELEASES = (process.env.SHERPA_RELEASES_URL ?? 'https://github.com/k2-fsa/sherpa-onnx/releases/download').replace(/\/+$/, '');

export interface AsrDownloadOptions {
  whisper?: string | null;
  diarization?: boolean;
  outDir?: string;
  force?: boolean;
  log?: (line: string) => void;
}

/** GET url → file, through a .part file so an interrupted download never looks complete. */
async function download(url: string, target: string, log: (l: string) => void): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(`cannot reach ${new URL(url).origin} (${cause}): run this on a machine with internet and copy models/ over`);
  }
  if (!res.ok || !res.body) throw new Error(`GET ${url} answered ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  await mkdir(path.dirname(target), { recursive: true });
  const part = `${target}.part`;
  let received = 0;
  let shown = 0;
  const count = async function* (src: AsyncIterable<Uint8Array>) {
    for await (const c of src) {
      received += c.length;
      if (Date.now() - shown > 2000) {
        shown = Date.now();
        log(`  ${path.basename(target)}: ${(received / 1e6).toFixed(0)}${total ? `/${(total / 1e6).toFixed(0)}` : ''} MB`);
      }
      yield c;
    }
  };
  try {
    await pipeline(Readable.fromWeb(res.body as ReadableStream), count, createWriteStream(part));
    if (total && received !== total) throw new Error(`stopped at ${received} of ${total} bytes`);
  } catch (err) {
    await rm(part, { force: true });
    throw new Error(`download of ${url} failed: ${(err as Error).message}`);
  }
  await rename(part, target);
}

/** Downloads and unpacks `<tag>/<name>.tar.bz2` unless `<out>/<name>/` exists. */
async function archive(tag: string, name: string, out: string, force: boolean, log: (l: string) => void): Promise<string> {
  const dir = path.join(out, name);
  if (existsSync(dir) && !force) {
    log(`${dir}: already present`);
    return dir;
  }
  const tarball = path.join(out, `${name}.tar.bz2`);
  log(`Downloading ${name}…`);
  await download(`${RELEASES}/${tag}/${name}.tar.bz2`, tarball, log);
  await rm(dir, { recursive: true, force: true });
  execFileSync('tar', ['xjf', tarball, '-C', out], { stdio: 'inherit' });
  await rm(tarball, { force: true });
  log(`${dir}: done`);
  return dir;
}

export async function downloadAsrModels(o: AsrDownloadOptions = {}): Promise<void> {
  const out = path.resolve(o.outDir ?? 'models');
  const log = o.log ?? ((l: string) => console.log(l));
  const force = o.force ?? false;
  const whisper = o.whisper === undefined ? 'base.en' : o.whisper;
  if (whisper) {
    const dir = await archive('asr-models', `sherpa-onnx-whisper-${whisper}`, out, force, log);
    log(`ASR: ASR_ENGINE=whisper ASR_MODEL_DIR=${path.relative(process.cwd(), dir)}`);
  }
  if (o.diarization) {
    // The defaults the sherpa diarizer looks for (diarize/sherpa.ts), so no variable needs setting.
    const segDir = path.basename(path.dirname(DEFAULT_SEGMENTATION));
    await archive('speaker-segmentation-models', segDir, out, force, log);
    const emb = path.join(out, path.basename(DEFAULT_EMBEDDING));
    if (!existsSync(emb) || force) {
      log(`Downloading ${path.basename(emb)}…`);
      // ("recongition" is the release tag's real spelling.)
      await download(`${RELEASES}/speaker-recongition-models/${path.basename(emb)}`, emb, log);
    }
    log('Diarization: DIARIZATION=sherpa');
  }
}

function parse(argv: string[]): AsrDownloadOptions {
  const o: AsrDownloadOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--diarization') o.diarization = true;
    else if (a === '--no-whisper') o.whisper = null;
    else if (a === '--force') o.force = true;
    else if (a === '--out') o.outDir = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log('Usage: npm run download-asr-model -- [whisper-name] [--diarization] [--no-whisper] [--out <dir>] [--force]');
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else o.whisper = a.replace(/^sherpa-onnx-whisper-/, '');
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    await downloadAsrModels(parse(process.argv.slice(2)));
  } catch (err) {
    console.error(`download-asr-model: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
