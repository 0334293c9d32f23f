import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError, type Config, type VisualEmbedder } from '../../core/index.js';
import { l2normalise } from './vector.js';

type Tensor = { data: ArrayLike<number>; dims: number[] };
type Model = ((inputs: Record<string, unknown>) => Promise<Record<string, Tensor>>) & { dispose?: () => Promise<unknown> };

/** The model files a transformers.js CLIP export holds: both towers, full precision or quantised. */
const TOWERS = [
  { dtype: 'fp32', files: ['onnx/text_model.onnx', 'onnx/vision_model.onnx'] },
  { dtype: 'q8', files: ['onnx/text_model_quantized.onnx', 'onnx/vision_model_quantized.onnx'] },
] as const;

/**
 * CLIP through `@huggingface/transformers` on onnxruntime-node, from a local directory (a transformers.js
 * export such as Xenova/clip-vit-base-patch32: config.json, tokenizer and preprocessor files, onnx/text_model*.onnx
 * and onnx/vision_model*.onnx). Never touches the network.
 */
export class ClipEmbedder implements VisualEmbedder {
  readonly model: string;
  readonly dir: string;
  private _dim = 0;
  private loaded: Promise<{ tokenizer: (texts: string[], o: object) => Record<string, unknown>; processor: (images: unknown[]) => Promise<Record<string, unknown>>; text: Model; vision: Model; read: (file: string) => Promise<unknown> }> | null = null;

  constructor(opts: { dir: string }) {
    this.dir = path.resolve(opts.dir);
    this.model = `clip:${path.basename(this.dir)}`;
  }

  get dim(): number {
    return this._dim;
  }

  async init(): Promise<void> {
    this.loaded ??= this.load().catch((err: unknown) => {
      this.loaded = null;
      throw err;
    });
    await this.loaded;
  }

  private async load() {
    const dtype = checkClipDir(this.dir);
    let t: typeof import('@huggingface/transformers');
    try {
      // Lazily: onnxruntime-node is a native addon, and a machine where it cannot load must run everything else.
      t = await import('@huggingface/transformers');
    } catch (err) {
      throw new AppError('engine_unavailable', `VISUAL_EMBEDDINGS=clip needs @huggingface/transformers with a working onnxruntime-node (${message(err)})`);
    }
    t.env.allowRemoteModels = false;
    t.env.allowLocalModels = true;
    const opts = { local_files_only: true, dtype, device: 'cpu' } as const;
    try {
      const [tokenizer, processor, text, vision] = await Promise.all([
        t.AutoTokenizer.from_pretrained(this.dir, { local_files_only: true }),
        t.AutoProcessor.from_pretrained(this.dir, { local_files_only: true }),
        t.CLIPTextModelWithProjection.from_pretrained(this.dir, opts),
        t.CLIPVisionModelWithProjection.from_pretrained(this.dir, opts),
      ]);
      const m = {
        tokenizer: tokenizer as unknown as (texts: string[], o: object) => Record<string, unknown>,
        processor: processor as unknown as (images: unknown[]) => Promise<Record<string, unknown>>,
        text: text as unknown as Model,
        vision: vision as unknown as Model,
        read: (file: string) => t.RawImage.read(file),
      };
      const [probe] = rows((await m.text(m.tokenizer(['a probe'], { padding: true, truncation: true }))).text_embeds);
      this._dim = probe.length;
      return m;
    } catch (err) {
      throw new AppError('engine_unavailable', `Cannot load the CLIP model in ${this.dir}: ${message(err)}`);
    }
  }

  async embedImages(files: string[]): Promise<Float32Array[]> {
    if (files.length === 0) return [];
    await this.init();
    const m = (await this.loaded)!;
    const images = await Promise.all(files.map((f) => m.read(f)));
    return rows((await m.vision(await m.processor(images))).image_embeds);
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.init();
    const m = (await this.loaded)!;
    return rows((await m.text(m.tokenizer(texts, { padding: true, truncation: true }))).text_embeds);
  }

  async close(): Promise<void> {
    const m = await this.loaded?.catch(() => null);
    this.loaded = null;
    await Promise.all([m?.text.dispose?.(), m?.vision.dispose?.()]);
  }
}

/** The rows of a [n, d] tensor, each L2-normalised. */
function rows(t: Tensor | undefined): Float32Array[] {
  if (!t) throw new AppError('internal', 'the CLIP model gave no embeddings (is it a *WithProjection export?)');
  const [n, d] = t.dims;
  return Array.from({ length: n }, (_, i) => l2normalise(Array.prototype.slice.call(t.data, i * d, (i + 1) * d)));
}

/** Checks the files a CLIP export needs; the precision to load (fp32 preferred). */
export function checkClipDir(dir: string): 'fp32' | 'q8' {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AppError('engine_unavailable', `VISUAL_EMBEDDINGS=clip: model directory ${dir} does not exist (VISUAL_MODEL_DIR); no visual model ships with the archive`);
  }
  for (const f of ['config.json', 'tokenizer.json', 'preprocessor_config.json']) {
    if (!existsSync(path.join(dir, f))) throw new AppError('engine_unavailable', `VISUAL_EMBEDDINGS=clip: ${path.join(dir, f)} is missing`);
  }
  const found = TOWERS.find((t) => t.files.every((f) => existsSync(path.join(dir, f))));
  if (!found) throw new AppError('engine_unavailable', `VISUAL_EMBEDDINGS=clip: ${dir} has neither ${TOWERS.map((t) => t.files.join(' + ')).join(' nor ')}`);
  return found.dtype;
}

/** The visual embedder VISUAL_EMBEDDINGS asks for, or null (off, the default). Nothing is loaded until init(). */
export function createVisualEmbedder(cfg: Pick<Config, 'VISUAL_EMBEDDINGS' | 'VISUAL_MODEL_DIR'>): VisualEmbedder | null {
  if (cfg.VISUAL_EMBEDDINGS === 'off') return null;
  return new ClipEmbedder({ dir: cfg.VISUAL_MODEL_DIR! });
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
