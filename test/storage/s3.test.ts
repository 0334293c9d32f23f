import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { copyBlob, createBlobStore, moveBlob } from '../../src/platform/storage/index.js';
import { S3BlobStore } from '../../src/platform/storage/s3.js';
import { startLoopbackS3, type LoopbackS3 } from '../helpers/s3.js';
import { blobStoreContract } from './contract.js';

blobStoreContract('S3 (s3rver on loopback)', async () => {
  const s3 = await startLoopbackS3();
  return { store: s3.store(), cleanup: () => s3.close() };
});

describe('S3 blob store wiring', () => {
  let s3: LoopbackS3;
  beforeAll(async () => {
    s3 = await startLoopbackS3('wiring-bucket');
  });
  afterAll(async () => s3?.close());

  it('is built from STORAGE=s3 and the S3_* variables, and needs a bucket', async () => {
    const store = createBlobStore(loadConfig({ DATA_DIR: '/tmp/x', ...s3.env }));
    expect(store).toBeInstanceOf(S3BlobStore);
    await store.put('wiring/a.bin', Buffer.from('hello'));
    await copyBlob(store, 'wiring/a.bin', 'wiring/b.bin');
    await moveBlob(store, 'wiring/b.bin', 'wiring/c.bin');
    expect(await store.stat('wiring/b.bin')).toBeNull();
    expect((await store.stat('wiring/c.bin'))?.size).toBe(5);
    (store as S3BlobStore).close();
    expect(() => loadConfig({ STORAGE: 's3' })).toThrow(/S3_BUCKET/);
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' })).toThrow(/S3_SECRET_ACCESS_KEY/);
    expect(loadConfig({}).STORAGE).toBe('fs');
    expect(loadConfig({ S3_FORCE_PATH_STYLE: 'on' }).S3_FORCE_PATH_STYLE).toBe(true);
  });
});
