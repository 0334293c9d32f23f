/**
 * Images and texts in one vector space (CLIP-style): a keyframe and the words describing it land close together,
 * so a frame can be found by what it shows, not only by the text on it. Vectors are L2-normalised, so the dot
 * product of an image's and a text's vector is their cosine.
 */
export interface VisualEmbedder {
  /** Stable identity of the model, e.g. `clip:clip-vit-base-patch32`. */
  readonly model: string;
  /** 0 before init(). */
  readonly dim: number;
  /** Loads the model (idempotent). Throws AppError('engine_unavailable') naming what is missing. */
  init(): Promise<void>;
  /** One vector per image file (JPEG, PNG), in order. */
  embedImages(files: string[]): Promise<Float32Array[]>;
  /** One vector per text, in order, in the images' space. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}
