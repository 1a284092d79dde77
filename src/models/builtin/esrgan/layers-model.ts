import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AtelierError } from '../../../errors.ts';

/** One Keras layer of a TensorFlow.js layers model, as `model.json` describes it. */
export interface KerasLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Names of the layers feeding this one, in order. */
  readonly inputs: readonly string[];
}

export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A TensorFlow.js layers model read from disk: its graph, its weights and the files they came from. */
export interface LayersModel {
  readonly layers: readonly KerasLayer[];
  readonly inputName: string;
  readonly outputName: string;
  readonly weights: ReadonlyMap<string, WeightTensor>;
  /** `model.json` followed by the weight shards, absolute paths, in the order they were read. */
  readonly files: readonly string[];
}

interface ModelJson {
  format?: string;
  modelTopology?: { model_config?: { class_name?: string; config?: RawGraph } };
  weightsManifest?: Array<{
    paths: string[];
    weights: Array<{ name: string; shape: number[]; dtype: string }>;
  }>;
}

interface RawGraph {
  layers: Array<{
    class_name: string;
    name: string;
    config: Record<string, unknown>;
    inbound_nodes: Array<Array<[string, number, number, unknown]>>;
  }>;
  input_layers: Array<[string, number, number]>;
  output_layers: Array<[string, number, number]>;
}

/** Channels of every layer's output, by layer name: the input's 3, then what each layer makes of its inputs. */
export function layerOutputChannels(model: Pick<LayersModel, 'layers'>): Map<string, number> {
  const channels = new Map<string, number>();
  for (const layer of model.layers) {
    const first = layer.inputs[0];
    const input = first === undefined ? 3 : channels.get(first)!;
    let count = input;
    if (layer.className === 'Conv2D') count = layer.config.filters as number;
    else if (layer.className === 'Concatenate') {
      count = layer.inputs.reduce((sum, name) => sum + channels.get(name)!, 0);
    } else if (layer.className.startsWith('PixelShuffle')) {
      count = input / pixelShuffleFactor(layer) ** 2;
    }
    channels.set(layer.name, count);
  }
  return channels;
}

/** The factor of a `PixelShuffle{n}x` layer. */
export function pixelShuffleFactor(layer: KerasLayer): number {
  return Number(/\d+/.exec(layer.className)![0]);
}

/**
 * Reads a TensorFlow.js layers model (`model.json` plus binary weight shards) from a folder,
 * without TensorFlow.js: the upscaler's engines only need the graph and the raw float32 weights.
 *
 * Every file is checked: when `expectedDigests` (file name -> sha256, pinned per package
 * version) is given, each file must match it; in every case the shards must have exactly the
 * byte length the manifest describes and hold finite numbers. Anything else is reported as a
 * corrupt installation naming the file, never as a crash deep inside an engine.
 *
 * @example const model = await readLayersModel(esrganModelDirectory(esrganVariant('slim', 2)));
 */
export async function readLayersModel(
  directory: string,
  options: { packageName?: string; expectedDigests?: Readonly<Record<string, string>> } = {},
): Promise<LayersModel> {
  const owner = options.packageName ?? directory;
  const corrupt = (file: string, problem: string) =>
    new AtelierError(
      'MODEL_UNAVAILABLE',
      `ESRGAN weights file ${file} is corrupt: ${problem}. Reinstall ${owner} (npm install) to restore it`,
    );
  const modelPath = join(directory, 'model.json');
  const modelBytes = await readRequired(modelPath, owner);
  checkDigest(modelPath, modelBytes, options.expectedDigests, corrupt);
  let json: ModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(modelBytes)) as ModelJson;
  } catch (error) {
    throw corrupt(modelPath, `expected JSON but found a parse error (${(error as Error).message})`);
  }
  const graph = json.modelTopology?.model_config?.config;
  const manifest = json.weightsManifest;
  if (json.format !== 'layers-model' || !graph?.layers || !manifest) {
    throw corrupt(modelPath, 'expected a TensorFlow.js layers model with a weights manifest');
  }

  const files = [modelPath];
  const weights = new Map<string, WeightTensor>();
  for (const group of manifest) {
    const chunks: Uint8Array[] = [];
    for (const path of group.paths) {
      const shardPath = join(directory, path);
      const bytes = await readRequired(shardPath, owner);
      checkDigest(shardPath, bytes, options.expectedDigests, corrupt);
      files.push(shardPath);
      chunks.push(bytes);
    }
    const buffer = Buffer.concat(chunks);
    const expectedBytes = group.weights.reduce((sum, weight) => sum + 4 * elementCount(weight.shape), 0);
    const shardNames = group.paths.join(', ');
    if (buffer.byteLength !== expectedBytes) {
      throw corrupt(
        join(directory, shardNames),
        `expected ${expectedBytes} bytes of float32 weights but found ${buffer.byteLength}`,
      );
    }
    // Copy into an aligned buffer: Float32Array views need 4-byte alignment.
    const floats = new Float32Array(new Uint8Array(buffer).buffer);
    let offset = 0;
    for (const weight of group.weights) {
      if (weight.dtype !== 'float32') {
        throw corrupt(modelPath, `expected float32 weights but ${weight.name} is ${weight.dtype}`);
      }
      const count = elementCount(weight.shape);
      const data = floats.subarray(offset, offset + count);
      offset += count;
      if (!data.every(Number.isFinite)) {
        throw corrupt(join(directory, shardNames), `${weight.name} holds non-finite numbers`);
      }
      weights.set(weight.name, { shape: weight.shape, data });
    }
  }

  const layers = graph.layers.map((layer) => ({
    className: layer.class_name,
    name: layer.name,
    config: layer.config,
    inputs: (layer.inbound_nodes[0] ?? []).map((inbound) => inbound[0]),
  }));
  return {
    layers,
    inputName: graph.input_layers[0]![0],
    outputName: graph.output_layers[0]![0],
    weights,
    files,
  };
}

async function readRequired(path: string, owner: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `ESRGAN weights file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): reinstall ${owner} (npm install)`,
      { cause: error },
    );
  }
}

function checkDigest(
  path: string,
  bytes: Uint8Array,
  expected: Readonly<Record<string, string>> | undefined,
  corrupt: (file: string, problem: string) => AtelierError,
): void {
  const pinned = expected?.[basename(path)];
  if (!pinned) return;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== pinned) {
    throw corrupt(path, `expected sha256 ${pinned.slice(0, 12)}… but found ${actual.slice(0, 12)}…`);
  }
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}
