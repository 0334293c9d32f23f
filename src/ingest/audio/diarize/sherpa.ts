/**
 * Neural speaker diarization through sherpa-onnx-node: pyannote segmentation-3.0 (who speaks in each 10 s
 * window, overlaps included) + a speaker-embedding model + clustering. Much better than the basic engine
 * on similar voices, but it needs two model files that are not shipped:
 *   DIARIZATION_SEGMENTATION_MODEL (default models/sherpa-onnx-pyannote-segmentation-3-0/model.onnx)
 *   DIARIZATION_EMBEDDING_MODEL    (default models/3dspeaker_speech_eres2net_base_sv_zh-cn_3dspeaker_16k.onnx)
 * Both come from `npm run download-asr-model -- --diarization`.
 *
 * sherpa's API takes the whole recording as one Float32Array, so this engine holds the file's PCM
 * (230 MB per hour); `maxS` refuses longer files rather than exhausting memory — the pipeline then falls
 * back to 'Unknown speaker' as for any diarization failure.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OfflineSpeakerDiarization } from 'sherpa-onnx-node';
import { AppError, engineSettings } from '../../../core/index.js';
import { SAMPLE_RATE } from '../decode.js';
import { type Turn, mergeTurns, speakerLabel } from './assign.js';

export const DEFAULT_SEGMENTATION = 'models/sherpa-onnx-pyannote-segmentation-3-0/model.onnx';
export const DEFAULT_EMBEDDING = 'models/3dspeaker_speech_eres2net_base_sv_zh-cn_3dspeaker_16k.onnx';

export interface SherpaDiarizeOptions {
  segmentationModel?: string;
  embeddingModel?: string;
  /** Known speaker count; otherwise clustering stops at `threshold`. */
  numSpeakers?: number;
  /** Cosine-distance threshold for clustering embeddings. Default 0.5 (sherpa's examples). */
  threshold?: number;
  numThreads?: number;
  /** Longest recording accepted, seconds. Default 3 h (≈ 690 MB of PCM). */
  maxS?: number;
}

export function sherpaModelPaths(o: SherpaDiarizeOptions = {}): { segmentation: string; embedding: string } {
  const segmentation = path.resolve(o.segmentationModel ?? engineSettings().DIARIZATION_SEGMENTATION_MODEL ?? DEFAULT_SEGMENTATION);
  const embedding = path.resolve(o.embeddingModel ?? engineSettings().DIARIZATION_EMBEDDING_MODEL ?? DEFAULT_EMBEDDING);
  const missing = [segmentation, embedding].filter((p) => !existsSync(p));
  if (missing.length) {
    throw new AppError(
      'engine_unavailable',
      `DIARIZATION=sherpa: missing model file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: run \`npm run download-asr-model -- --diarization\` on a machine with internet and copy models/ here, or set DIARIZATION_SEGMENTATION_MODEL / DIARIZATION_EMBEDDING_MODEL`,
    );
  }
  return { segmentation, embedding };
}

export class SherpaDiarizer {
  private constructor(
    private readonly sd: OfflineSpeakerDiarization,
    private readonly maxS: number,
  ) {}

  static async load(o: SherpaDiarizeOptions = {}): Promise<SherpaDiarizer> {
    const files = sherpaModelPaths(o);
    let sherpa: typeof import('sherpa-onnx-node');
    try {
      sherpa = await import('sherpa-onnx-node');
    } catch (e) {
      throw new AppError('engine_unavailable', `DIARIZATION=sherpa needs the npm package sherpa-onnx-node: ${(e as Error).message}`);
    }
    const Ctor = (sherpa as unknown as { default?: typeof sherpa }).default?.OfflineSpeakerDiarization ?? sherpa.OfflineSpeakerDiarization;
    const numThreads = o.numThreads ?? Math.max(1, os.availableParallelism() - 1);
    const sd = new Ctor({
      segmentation: { pyannote: { model: files.segmentation }, numThreads, debug: 0 },
      embedding: { model: files.embedding, numThreads, debug: 0 },
      clustering: { numClusters: o.numSpeakers && o.numSpeakers > 0 ? o.numSpeakers : -1, threshold: o.threshold ?? 0.5 },
      minDurationOn: 0.3,
      minDurationOff: 0.5,
    });
    if (sd.sampleRate !== SAMPLE_RATE) throw new AppError('internal', `diarization model expects ${sd.sampleRate} Hz audio, the pipeline decodes ${SAMPLE_RATE} Hz`);
    return new SherpaDiarizer(sd, o.maxS ?? 3 * 3600);
  }

  /** Turns for a whole recording's PCM (16 kHz mono). Synchronous in sherpa: it blocks this thread. */
  diarize(pcm: Float32Array): Turn[] {
    const durationS = pcm.length / SAMPLE_RATE;
    if (durationS > this.maxS) throw new AppError('payload_too_large', `sherpa diarization holds the whole recording in memory; ${durationS.toFixed(0)} s is over its ${this.maxS} s limit`);
    const segs = this.sd.process(pcm);
    // sherpa numbers speakers by cluster id; rename in order of first appearance like the basic engine.
    const names = new Map<number, string>();
    const turns = [...segs]
      .sort((a, b) => a.start - b.start)
      .map((s) => {
        if (!names.has(s.speaker)) names.set(s.speaker, speakerLabel(names.size));
        return { start: s.start, end: s.end, speaker: names.get(s.speaker)! };
      });
    return mergeTurns(turns);
  }
}
