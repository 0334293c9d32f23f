import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadModel } from '../../scripts/download-embedding-model.js';
import { closedPort } from './fixtures/closed-port.js';

/** A stand-in for the hub: serves /<owner>/<repo>/resolve/main/<file> from a map, 404 otherwise. */
const files: Record<string, string> = {
  '/Xenova/bge-small-en-v1.5/resolve/main/config.json': '{"model_type":"bert"}',
  '/Xenova/bge-small-en-v1.5/resolve/main/tokenizer.json': '{}',
  '/Xenova/bge-small-en-v1.5/resolve/main/tokenizer_config.json': '{}',
  '/Xenova/bge-small-en-v1.5/resolve/main/special_tokens_map.json': '{}',
  '/Xenova/bge-small-en-v1.5/resolve/main/onnx/model_quantized.onnx': 'q'.repeat(5000),
};

describe('download-embedding-model', () => {
  let server: Server;
  let endpoint: string;
  const requested: string[] = [];
  const tmp = mkdtempSync(path.join(tmpdir(), 'download-model-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      const body = files[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200, { 'content-length': String(Buffer.byteLength(body ?? '')) });
      res.end(body ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('fetches the model files, falling back to the quantized ONNX file', async () => {
    const lines: string[] = [];
    const dir = await downloadModel({ endpoint, outDir: tmp, log: (l) => lines.push(l), progress: (l) => lines.push(l) });
    expect(dir).toBe(path.join(tmp, 'bge-small-en-v1.5'));
    expect(readFileSync(path.join(dir, 'onnx', 'model_quantized.onnx'), 'utf8')).toHaveLength(5000);
    expect(existsSync(path.join(dir, 'onnx', 'model.onnx'))).toBe(false);
    expect(existsSync(path.join(dir, '1_Pooling', 'config.json'))).toBe(false); // optional, 404 here
    expect(lines.some((l) => /onnx\/model_quantized.onnx: 0.0\/0.0 MB 100% done/.test(l))).toBe(true);

    // A second run skips what is already there.
    requested.length = 0;
    await downloadModel({ endpoint, outDir: tmp, log: () => {}, progress: () => {} });
    expect(requested.filter((u) => u.endsWith('config.json') && !u.includes('1_Pooling'))).toEqual([]);
  });

  it('reports a missing repository and an unreachable hub clearly', async () => {
    await expect(downloadModel({ model: 'nobody/nothing', endpoint, outDir: tmp, log: () => {} })).rejects.toThrow(
      /nothing\/resolve\/main\/config.json answered 404/,
    );
    const offline = `http://127.0.0.1:${await closedPort()}`;
    await expect(downloadModel({ endpoint: offline, outDir: tmp, force: true, log: () => {} })).rejects.toThrow(
      `Cannot reach ${offline} (ECONNREFUSED). This machine seems to be offline`,
    );
  });
});
