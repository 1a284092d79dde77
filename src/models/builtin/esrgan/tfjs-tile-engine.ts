import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerEsrganLayers } from './esrgan-custom-layers.ts';
import type { LayersModel } from './layers-model.ts';
import type { TileEngine } from './tile-engine.ts';

const require = createRequire(import.meta.url);
let backendReady: Promise<void> | undefined;

/**
 * The reference engine: the original layers model run by TensorFlow.js on its WebAssembly
 * backend (XNNPACK, SIMD), single-threaded, with the .wasm binaries read from node_modules.
 * It is the benchmark's baseline and the cross-check that the ONNX conversion is faithful.
 */
export async function createTfjsTileEngine(model: LayersModel): Promise<TileEngine> {
  backendReady ??= initialiseBackend();
  await backendReady;
  registerEsrganLayers(tf);
  const network = await tf.loadLayersModel(tf.io.fromMemory(toModelArtifacts(model)));
  return {
    name: 'tfjs-wasm',
    async run(tile, width, height) {
      const output = tf.tidy(() => network.predict(tf.tensor4d(tile, [1, height, width, 3])) as tf.Tensor);
      try {
        return (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
    },
    async dispose() {
      network.dispose();
    },
  };
}

async function initialiseBackend(): Promise<void> {
  // A file path prefix: in Node the backend reads the .wasm with fs, never over the network.
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
}

/** Rebuilds the artifacts `tf.io.fromMemory` wants from the weights we already read and checked. */
function toModelArtifacts(model: LayersModel): tf.io.ModelArtifacts {
  const names = [...model.weights.keys()];
  const total = names.reduce((sum, name) => sum + model.weights.get(name)!.data.length, 0);
  const weightData = new Float32Array(total);
  let offset = 0;
  for (const name of names) {
    const { data } = model.weights.get(name)!;
    weightData.set(data, offset);
    offset += data.length;
  }
  return {
    modelTopology: {
      class_name: 'Functional',
      config: {
        layers: model.layers.map((layer) => ({
          class_name: layer.className,
          name: layer.name,
          config: layer.config,
          inbound_nodes: layer.inputs.length ? [layer.inputs.map((input) => [input, 0, 0, {}])] : [],
        })),
        input_layers: [[model.inputName, 0, 0]],
        output_layers: [[model.outputName, 0, 0]],
      },
    },
    weightSpecs: names.map((name) => ({
      name,
      shape: [...model.weights.get(name)!.shape],
      dtype: 'float32' as const,
    })),
    weightData: weightData.buffer,
  };
}
