/** The inference engines that can run an ESRGAN model on one tile. */
export type TileEngineName = 'onnx' | 'tfjs-wasm';
export const tileEngineNames: readonly TileEngineName[] = ['onnx', 'tfjs-wasm'];

/**
 * Runs one ESRGAN network on one tile. Tiles are exchanged as float32 NHWC (`height x width x 3`,
 * interleaved like the Keras model) in the model's own pixel range. An engine is single-threaded
 * on purpose: parallelism comes from running several engines in worker threads, one tile each,
 * so a tile's result never depends on how many threads there are.
 */
export interface TileEngine {
  readonly name: TileEngineName;
  /** Upscales a `width x height` tile; resolves to `(height*scale) x (width*scale) x 3` floats. */
  run(tile: Float32Array, width: number, height: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}
