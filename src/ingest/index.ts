/**
 * ingest: getting recordings into the archive. Transcripts (VTT, SRT, Whisper JSON) and manifests of them,
 * media through the job graph (decode, VAD, ASR, diarization, stitching, sentences, embedding, indexing),
 * chapters and moments, speaker names, corrections, re-embedding, re-indexing, purge, and transcript export. Offers the ingest entry points, the job
 * runtime the API, the worker and the CLI share, the job summaries, and the media probe and limits.
 */
export { asrEngineName } from './audio/asr/index.js';
export { probeMedia, tooLong } from './audio/decode.js';
export type { MediaInfo } from './audio/decode.js';
export { ingestManifest } from './bulk.js';
export { correctRecording, correctSegment, revertRevision } from './corrections.js';
export type { CorrectionOutcome, RecordingPatch, SegmentPatch } from './corrections.js';
export { contentTypeFor, exportTranscript } from './formats/index.js';
export { confine, parseManifest, readManifest } from './manifest.js';
export { MEDIA_EXTENSIONS } from './media.js';
export { describeMediaJob, ingestMediaWithProgress } from './pipeline/cli.js';
export { enqueueManifestJob, MANIFEST_JOB_KIND } from './pipeline/manifest.js';
export { MEDIA_JOB_KIND, summarise, timings } from './pipeline/pipeline.js';
export type { StageSummary, Timings } from './pipeline/pipeline.js';
export { createJobRuntime } from './pipeline/runtime.js';
export type { JobRuntime } from './pipeline/runtime.js';
export { refuseUnheardLanguage, submitMediaIngest } from './pipeline/submit.js';
export { purgeRecording } from './purge.js';
export { reembedArchive } from './reembed.js';
export { cleanSpeakerName, MAX_SPEAKER_NAME, mergeSpeakers, recordingSpeakers, renameSpeakers } from './speakers.js';
export type { SpeakerChange } from './speakers.js';
export { reindexLexical } from './reindex.js';
export type { ReindexSummary } from './reindex.js';
export { ingestTranscript, slugId } from './transcript.js';
