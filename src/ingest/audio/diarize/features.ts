/**
 * MFCC features for the offline diarizer, computed while the audio streams past (no second decoding pass)
 * and kept compactly (Int16) so a long recording's features stay small.
 *
 * MFCC: 25 ms Hamming frames every 10 ms, pre-emphasis 0.97, 512-point FFT, 40 mel bands 60–7600 Hz,
 * log, DCT-II; c0 (loudness) is dropped because it tracks distance to the microphone more than the speaker.
 */
import { SAMPLE_RATE } from '../decode.js';

export const FRAME_LEN = 400;
export const FRAME_HOP = 160;
const NFFT = 512;
const NMEL = 40;
export const NCEP = 20; // c0..c19; c0 is dropped from the statistics
export const DIM = NCEP - 1;

/** In-place iterative radix-2 complex FFT (n a power of two). Small and fast enough for 512 points. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

const hz2mel = (f: number) => 2595 * Math.log10(1 + f / 700);
const mel2hz = (m: number) => 700 * (10 ** (m / 2595) - 1);

/** Triangular mel filters over the NFFT/2+1 power bins, as [firstBin, weights] to skip the zeros. */
function melBank(lo = 60, hi = 7600): { first: number; w: Float64Array }[] {
  const pts = Array.from({ length: NMEL + 2 }, (_, i) => mel2hz(hz2mel(lo) + ((hz2mel(hi) - hz2mel(lo)) * i) / (NMEL + 1)));
  const bin = pts.map((f) => (f * NFFT) / SAMPLE_RATE);
  const bank = [];
  for (let m = 1; m <= NMEL; m++) {
    const first = Math.floor(bin[m - 1]);
    const last = Math.ceil(bin[m + 1]);
    const w = new Float64Array(last - first + 1);
    for (let k = first; k <= last; k++) {
      const up = (k - bin[m - 1]) / (bin[m] - bin[m - 1]);
      const down = (bin[m + 1] - k) / (bin[m + 1] - bin[m]);
      w[k - first] = Math.max(0, Math.min(up, down));
    }
    bank.push({ first, w });
  }
  return bank;
}

export class MfccExtractor {
  private readonly window = Float64Array.from({ length: FRAME_LEN }, (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (FRAME_LEN - 1)));
  private readonly bank = melBank();
  private readonly dct: Float64Array[] = Array.from({ length: NCEP }, (_, k) =>
    Float64Array.from({ length: NMEL }, (_, m) => Math.cos((Math.PI * k * (m + 0.5)) / NMEL) * Math.sqrt((k === 0 ? 1 : 2) / NMEL)),
  );
  private readonly re = new Float64Array(NFFT);
  private readonly im = new Float64Array(NFFT);
  private readonly logmel = new Float64Array(NMEL);

  /** MFCC of one frame of FRAME_LEN samples starting at `off`, written into `out` (length NCEP). */
  frame(x: Float32Array, off: number, out: Float64Array): void {
    const { re, im } = this;
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < FRAME_LEN; i++) {
      const prev = off + i > 0 ? x[off + i - 1] : 0;
      re[i] = (x[off + i] - 0.97 * prev) * this.window[i];
    }
    fft(re, im);
    for (let m = 0; m < NMEL; m++) {
      const { first, w } = this.bank[m];
      let e = 0;
      for (let k = 0; k < w.length; k++) e += w[k] * (re[first + k] ** 2 + im[first + k] ** 2);
      this.logmel[m] = Math.log(e + 1e-10);
    }
    for (let k = 0; k < NCEP; k++) {
      let s = 0;
      const d = this.dct[k];
      for (let m = 0; m < NMEL; m++) s += d[m] * this.logmel[m];
      out[k] = s;
    }
  }
}

/** Stored value = coefficient × QUANT as Int16: MFCCs c1..c19 stay well inside ±128, resolution 0.004. */
const QUANT = 256;
const PAGE = 1 << 16; // frames per page: pages avoid re-allocating one huge array as the file grows

/**
 * Streaming MFCC store: push PCM of any length; keeps c1..c19 of every 10 ms frame as Int16 in pages.
 * 19 × 2 bytes × 100 frames/s ≈ 14 MB per hour of audio (PCM would be 230 MB per hour as Float32).
 */
export class FrameStore {
  private readonly pages: Int16Array[] = [];
  private count = 0;
  private readonly mfcc = new MfccExtractor();
  private buf = new Float32Array(FRAME_LEN * 4);
  private fill = 0;
  private readonly c = new Float64Array(NCEP);

  push(pcm: Float32Array): void {
    if (this.fill + pcm.length > this.buf.length) {
      const next = new Float32Array(Math.max(this.buf.length * 2, this.fill + pcm.length));
      next.set(this.buf.subarray(0, this.fill));
      this.buf = next;
    }
    this.buf.set(pcm, this.fill);
    this.fill += pcm.length;
    let off = 0;
    while (off + FRAME_LEN <= this.fill) {
      this.mfcc.frame(this.buf, off, this.c);
      const page = this.count / PAGE | 0;
      if (page === this.pages.length) this.pages.push(new Int16Array(PAGE * DIM));
      const base = (this.count % PAGE) * DIM;
      for (let d = 0; d < DIM; d++) this.pages[page][base + d] = Math.max(-32768, Math.min(32767, Math.round(this.c[d + 1] * QUANT)));
      this.count++;
      off += FRAME_HOP;
    }
    // Keep the samples not yet consumed by a frame (frames overlap, so up to FRAME_LEN - FRAME_HOP of them).
    this.buf.copyWithin(0, off, this.fill);
    this.fill -= off;
  }

  get frames(): number {
    return this.count;
  }

  /** Frame i's coefficients into `out` (length DIM). Frame i covers [i·10 ms, i·10 ms + 25 ms). */
  get(i: number, out: Float64Array): Float64Array {
    const p = this.pages[i / PAGE | 0];
    const base = (i % PAGE) * DIM;
    for (let d = 0; d < DIM; d++) out[d] = p[base + d] / QUANT;
    return out;
  }
}

export const FRAME_S = FRAME_HOP / SAMPLE_RATE;
