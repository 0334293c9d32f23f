import { diarizeMedia } from '../../src/ingest/audio/transcribe.js';
import { SherpaDiarizer, sherpaModelPaths } from '../../src/ingest/audio/diarize/sherpa.js';
import { skipAllBut } from '../contract/cases.js';
import { DIARIZATION_CASES, diarizationContract } from '../contract/diarization.contract.js';

const present = (() => {
  try {
    return Boolean(sherpaModelPaths());
  } catch {
    return false;
  }
})();

diarizationContract(
  'sherpa-onnx (pyannote segmentation + speaker embeddings)',
  async () => ({
    async diarize(file, numSpeakers) {
      return (await diarizeMedia(file, [], { diarization: 'sherpa', numSpeakers })) ?? [];
    },
    unavailable: {
      diarize: async () => (await SherpaDiarizer.load({ segmentationModel: '/nonexistent/seg.onnx', embeddingModel: '/nonexistent/emb.onnx' })).diarize(new Float32Array(16000)),
      names: /seg\.onnx.*emb\.onnx.*npm run download-asr-model -- --diarization/,
    },
  }),
  present
    ? {}
    : skipAllBut(DIARIZATION_CASES, 'no sherpa diarization models under models/ (npm run download-asr-model -- --diarization fetches them)', [
        'fails with engine_unavailable naming the missing models',
      ]),
);
