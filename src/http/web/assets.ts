import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The stylesheet and the client scripts, read once at start and served with a content hash in the URL. */
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

interface Asset {
  body: string;
  type: string;
  hash: string;
}

const assets = new Map<string, Asset>();
for (const name of fs.readdirSync(DIR)) {
  const type = TYPES[path.extname(name)];
  if (!type) continue;
  const body = fs.readFileSync(path.join(DIR, name), 'utf8');
  assets.set(name, { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) });
}

export function assetUrl(name: string): string {
  const a = assets.get(name);
  if (!a) throw new Error(`no web asset "${name}"`);
  return `/static/${name}?v=${a.hash}`;
}

export function getAsset(name: string): Asset | undefined {
  return assets.get(name);
}
