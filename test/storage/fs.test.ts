import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { createBlobStore, FsBlobStore, moveBlob } from '../../src/platform/storage/index.js';
import { blobStoreContract } from './contract.js';

let root = '';
blobStoreContract('filesystem', async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-blobs-'));
  return { store: new FsBlobStore(root), cleanup: async () => fs.rmSync(root, { recursive: true, force: true }) };
});

describe('filesystem blob store', () => {
  it('keeps blobs as plain files under DATA_DIR/blobs and leaves no partial file after a failed write', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-data-'));
    try {
      const store = createBlobStore(loadConfig({ DATA_DIR: dataDir }));
      expect(store.kind).toBe('fs');
      await store.put('media/a.wav', Buffer.from('abc'));
      expect(fs.readFileSync(path.join(dataDir, 'blobs', 'media', 'a.wav'), 'utf8')).toBe('abc');
      const bad = new Readable({
        read() {
          this.destroy(new Error('boom'));
        },
      });
      await expect(store.put('media/b.wav', bad)).rejects.toThrow('boom');
      expect(fs.existsSync(path.join(dataDir, 'blobs', 'media', 'b.wav'))).toBe(false);
      expect(fs.readdirSync(path.join(dataDir, 'blobs', '.partial'))).toEqual([]);
      await moveBlob(store, 'media/a.wav', 'media/c.wav');
      expect(await store.stat('media/a.wav')).toBeNull();
      expect((await store.stat('media/c.wav'))?.size).toBe(3);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
