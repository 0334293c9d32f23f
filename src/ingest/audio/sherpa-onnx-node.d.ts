// sherpa-onnx-node ships JSDoc types only; these are the parts the Whisper and diarization adapters use
// (field names as in the package's types.js, v1.13).
declare module 'sherpa-onnx-node' {
  export interface Waveform {
    samples: Float32Array;
    sampleRate: number;
  }
  export interface OfflineRecognizerResult {
    text: string;
    lang?: string;
    tokens?: string[];
    timestamps?: number[];
    durations?: number[];
    ys_log_probs?: number[];
  }
  export interface OfflineRecognizerConfig {
    featConfig?: { sampleRate?: number; featureDim?: number };
    modelConfig: {
      whisper?: {
        encoder: string;
        decoder: string;
        language?: string;
        task?: string;
        tailPaddings?: number;
        enableTokenTimestamps?: boolean;
        enableSegmentTimestamps?: boolean;
      };
      tokens: string;
      numThreads?: number;
      provider?: string;
      debug?: boolean | number;
    };
    decodingMethod?: string;
  }
  export class OfflineStream {
    acceptWaveform(w: Waveform): void;
  }
  export class OfflineRecognizer {
    constructor(config: OfflineRecognizerConfig);
    static createAsync(config: OfflineRecognizerConfig): Promise<OfflineRecognizer>;
    createStream(): OfflineStream;
    decode(stream: OfflineStream): void;
    decodeAsync(stream: OfflineStream): Promise<OfflineRecognizerResult>;
    getResult(stream: OfflineStream): OfflineRecognizerResult;
  }
  export interface OfflineSpeakerDiarizationConfig {
    segmentation: { pyannote: { model: string }; numThreads?: number; debug?: boolean | number; provider?: string };
    embedding: { model: string; numThreads?: number; debug?: boolean | number; provider?: string };
    clustering: { numClusters?: number; threshold?: number };
    minDurationOn?: number;
    minDurationOff?: number;
  }
  export class OfflineSpeakerDiarization {
    constructor(config: OfflineSpeakerDiarizationConfig);
    readonly sampleRate: number;
    process(samples: Float32Array): { start: number; end: number; speaker: number }[];
  }
}
