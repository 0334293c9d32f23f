/**
 * archive: the stores that own the tables, each a class over the database handle: recordings, segments and
 * moments (ArchiveStore), chapters, speaker names (SpeakerStore), jobs and their pipeline stages, resumable
 * uploads, backups, API keys and the audit log, corrections and their revisions. Offers the stores, their row
 * types and errors, and `Services`, the handle every capability above is given (wired by openServices in src/main).
 */
export { ArchiveStore, ChecksumTakenError } from './archive.js';
export type { Frame, MomentWithRecording, StoredRecording } from './archive.js';
export { ChapterStore } from './chapters.js';
export { isOpenMediaJobConflict, JobStore } from './jobs.js';
export type { Job } from './jobs.js';
export { allows, auditLog, KeyStore, ROLES } from './keys.js';
export type { ApiKey, Role } from './keys.js';
export { changesOf, RevisionStore } from './revisions.js';
export type { CorrectionWrite, RecordingFields, Revision, RevisionRecord, RevisionTarget, SegmentFields, StoredSegment } from './revisions.js';
export type { Services } from './services.js';
export { SpeakerStore } from './speakers.js';
export type { ArchiveSpeaker, NameChange, RecordingSpeaker, SpeakerRecording } from './speakers.js';
export { STAGES, StageStore } from './stages.js';
export type { StageName, StageRow } from './stages.js';
export { UploadStore } from './uploads.js';
export { BackupManifest, readBackup, restoreBackup, writeBackup, writeBackupFile } from './backup.js';
export type { RestoreOutcome } from './backup.js';
