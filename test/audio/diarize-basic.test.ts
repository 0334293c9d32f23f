import { decodeStream } from '../../src/ingest/audio/decode.js';
import { diarizeMedia } from '../../src/ingest/audio/transcribe.js';
import { detectSpeech } from '../../src/ingest/audio/vad.js';
import { diarizationContract } from '../contract/diarization.contract.js';

diarizationContract(
  'basic (MFCC + UBM supervectors + AHC)',
  async () => ({
    // As in the pipeline: the VAD's speech regions, then the engine over the decoded frames.
    async diarize(file, numSpeakers) {
      const regions = await detectSpeech(decodeStream(file));
      return (await diarizeMedia(file, regions, { diarization: 'basic', numSpeakers })) ?? [];
    },
  }),
  { 'fails with engine_unavailable naming the missing models': 'it has no model to miss: its features and clustering are built in' },
);
