import type { LayersModel } from './layers-model.ts';
import type { TileEngine, TileEngineName } from './tile-engine.ts';

/**
 * Builds an engine for a model. Engines are imported on demand so a worker running onnxruntime
 * never loads TensorFlow.js, and the reverse.
 */
export async function createTileEngine(name: TileEngineName, model: LayersModel): Promise<TileEngine> {
  if (name === 'onnx') {
    const { createOnnxTileEngine } = await import('./onnx-tile-engine.ts');
    return createOnnxTileEngine(model);
  }
  const { createTfjsTileEngine } = await import('./tfjs-tile-engine.ts');
  return createTfjsTileEngine(model);
}
