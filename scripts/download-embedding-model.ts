/**
 * Downloads an ONNX sentence-embedding model (transformers.js layout) from the Hugging Face hub into
 * ./models/<name>/ for EMBEDDINGS=onnx. Needs internet; the app itself never downloads models.
 *
 *   npm run download-model -- [name | owner/repo] [--quantized] [--out <dir>] [--force]
 *
 * A bare name means Xenova/<name> (default bge-small-en-v1.5). HF_ENDPOINT overrides the hub address
 * (mirrors) and HF_TOKEN is sent for gated repositories.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';

export const DEFAULT_MODEL = 'bge-small-en-v1.5';
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
/** Missing in some repos; 1_Pooling tells the adapter which pooling the model was trained with. */
const OPTIONAL = ['special_tokens_map.json', '1_Pooling/config.json'];

export interface DownloadOptions {
  /** `bge-small-en-v1.5` (meaning Xenova/bge-small-en-v1.5) or `owner/repo`. */
  model?: string;
  /** Directory that receives `<name>/`; default ./models. */
  outDir?: string;
  /** Fetch onnx/model_quantized.onnx (int8, ~4x smaller, slightly less accurate) instead of onnx/model.onnx. */
  quantized?: boolean;
  force?: boolean;
  endpoint?: string;
  token?: string;
  log?: (line: string) => void;
  /** Progress line, rewritten in place on a terminal. */
  progress?: (line: string) => void;
}

export class DownloadError extends Error {}

/** Returns the model directory. */
export async function downloadModel(opts: DownloadOptions = {}): Promise<string> {
  const model = opts.model ?? DEFAULT_MODEL;
  const repo = model.includes('/') ? model : `Xenova/${model}`;
  const dest = path.resolve(opts.outDir ?? 'models', path.basename(repo));
  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = opts.token ?? process.env.HF_TOKEN;
  const log = opts.log ?? ((l: string) => console.log(l));
  const progress = opts.progress ?? log;
  const onnx = opts.quantized
    ? ['onnx/model_quantized.onnx', 'onnx/model.onnx']
    : ['onnx/model.onnx', 'onnx/model_quantized.onnx'];

  log(`Downloading ${repo} from ${endpoint} into ${dest}`);
  const get = (file: string, required: boolean) =>
    fetchFile({ url: `${endpoint}/${repo}/resolve/main/${file}`, file, dest, token, required, force: opts.force, progress });

  for (const f of REQUIRED) await get(f, true);
  for (const f of OPTIONAL) await get(f, false);
  // Prefer the requested precision, fall back to the other if the repo only has one.
  if (!(await get(onnx[0], false)) && !(await get(onnx[1], false))) {
    throw new DownloadError(`${repo} has neither ${onnx.join(' nor ')}: it is not a transformers.js ONNX export`);
  }
  log(`Done. Use it with EMBEDDINGS=onnx EMBEDDING_MODEL_DIR=${path.relative(process.cwd(), dest) || dest}`);
  return dest;
}

interface FetchArgs {
  url: string;
  file: string;
  dest: string;
  token?: string;
  required: boolean;
  force?: boolean;
  progress: (line: string) => void;
}

/** Downloads one file through a `.part` file, so an interrupted run never leaves a truncated model behind. */
async function fetchFile(a: FetchArgs): Promise<boolean> {
  const target = path.join(a.dest, a.file);
  if (!a.force && existsSync(target)) {
    a.progress(`  ${a.file}: already present`);
    return true;
  }
  let res: Response;
  try {
    res = await fetch(a.url, { headers: a.token ? { authorization: `Bearer ${a.token}` } : {}, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new DownloadError(
      `Cannot reach ${new URL(a.url).origin} (${why}). This machine seems to be offline: run this script on a ` +
        `machine with internet access and copy ${a.dest}${path.sep} to the same place here.`,
    );
  }
  if (res.status === 404 && !a.required) {
    await res.body?.cancel();
    return false;
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    const hint = res.status === 401 || res.status === 403 ? ' (gated or private repository: set HF_TOKEN)' : '';
    throw new DownloadError(`GET ${a.url} answered ${res.status} ${res.statusText}${hint}`);
  }
  await mkdir(path.dirname(target), { recursive: true });
  const total = Number(res.headers.get('content-length') ?? 0);
  let received = 0;
  let lastShown = 0;
  const show = (final: boolean) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const pct = total > 0 ? ` ${Math.floor((100 * received) / total)}%` : '';
    a.progress(`  ${a.file}: ${mb(received)}${total > 0 ? `/${mb(total)}` : ''} MB${pct}${final ? ' done' : ''}`);
  };
  const counter = async function* (source: AsyncIterable<Uint8Array>) {
    for await (const chunk of source) {
      received += chunk.length;
      if (Date.now() - lastShown > 250) {
        lastShown = Date.now();
        show(false);
      }
      yield chunk;
    }
  };
  const part = `${target}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), counter, createWriteStream(part));
  } catch (err) {
    await rm(part, { force: true });
    throw new DownloadError(`Download of ${a.file} was interrupted: ${(err as Error).message}`);
  }
  if (total > 0 && received !== total) {
    await rm(part, { force: true });
    throw new DownloadError(`Download of ${a.file} stopped at ${received} of ${total} bytes`);
  }
  await rename(part, target);
  show(true);
  return true;
}

function parseArgs(argv: string[]): DownloadOptions {
  const opts: DownloadOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quantized') opts.quantized = true;
    else if (arg === '--force') opts.force = true;
    else if (arg === '--out') opts.outDir = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      console.log('Usage: npm run download-model -- [name | owner/repo] [--quantized] [--out <dir>] [--force]');
      process.exit(0);
    } else if (arg.startsWith('-')) throw new DownloadError(`Unknown option ${arg}`);
    else opts.model = arg;
  }
  return opts;
}

async function main(): Promise<void> {
  const tty = process.stdout.isTTY;
  try {
    await downloadModel({
      ...parseArgs(process.argv.slice(2)),
      log: (l) => console.log(l),
      // On a terminal the progress line is rewritten in place; in logs only finished files are printed.
      progress: (l) => {
        if (tty) process.stdout.write(`\r\x1b[K${l}${/ done$|already present$/.test(l) ? '\n' : ''}`);
        else if (/ done$|already present$/.test(l)) console.log(l);
      },
    });
  } catch (err) {
    if (tty) process.stdout.write('\n');
    console.error(`download-model: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
