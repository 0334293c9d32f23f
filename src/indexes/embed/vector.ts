/** L2-normalises into a new Float32Array; summing in float64 keeps precision for long vectors. */
export function l2normalise(values: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  const norm = Math.sqrt(sum);
  // A zero vector cannot be normalised; leave it zero rather than filling it with NaN.
  const scale = norm > 0 ? 1 / norm : 0;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * scale;
  return out;
}

/** Cosine similarity of two L2-normalised vectors (their dot product). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
