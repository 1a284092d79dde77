import { describe, expect, it } from 'vitest';
import { createTileEngine } from './create-tile-engine.ts';
import { esrganModelDirectory, esrganVariant } from './esrgan-variant.ts';
import { type KerasLayer, type LayersModel, readLayersModel, type WeightTensor } from './layers-model.ts';
import { layersModelToOnnx } from './layers-to-onnx.ts';
import { tileEngineNames } from './tile-engine.ts';

function seededFloats(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

const conv = (
  name: string,
  input: string,
  filters: number,
  kernel: number,
  activation = 'linear',
): KerasLayer => ({
  className: 'Conv2D',
  name,
  inputs: [input],
  config: {
    name,
    filters,
    kernel_size: [kernel, kernel],
    strides: [1, 1],
    padding: kernel === 1 ? 'valid' : 'same',
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    activation,
    use_bias: true,
  },
});

/**
 * A small network using every layer type the ESRGAN models use, including the thick model's
 * custom MultiplyBeta and PixelShuffle2x, with seeded weights. Output: 4x the input.
 */
function syntheticModel(): LayersModel {
  const layers: KerasLayer[] = [
    {
      className: 'InputLayer',
      name: 'in',
      inputs: [],
      config: { name: 'in', batch_input_shape: [null, null, null, 3] },
    },
    conv('c1', 'in', 8, 3, 'relu'),
    conv('c2', 'c1', 4, 1),
    { className: 'Concatenate', name: 'cat', inputs: ['c1', 'c2'], config: { name: 'cat', axis: 3 } },
    { className: 'MultiplyBeta', name: 'beta', inputs: ['cat'], config: { name: 'beta', beta: 0.2 } },
    { className: 'Add', name: 'add', inputs: ['cat', 'beta'], config: { name: 'add' } },
    { className: 'Activation', name: 'relu', inputs: ['add'], config: { name: 'relu', activation: 'relu' } },
    // Read by one 1x1 conv only: converted as a sum of 1x1 convs over the parts.
    { className: 'Concatenate', name: 'cat2', inputs: ['relu', 'c2'], config: { name: 'cat2', axis: -1 } },
    conv('fuse', 'cat2', 12, 1, 'relu'),
    conv('c3', 'fuse', 12, 3),
    { className: 'PixelShuffle2x', name: 'shuffle', inputs: ['c3'], config: { name: 'shuffle', scale: 2 } },
    {
      className: 'UpSampling2D',
      name: 'up',
      inputs: ['shuffle'],
      config: { name: 'up', size: [2, 2], interpolation: 'nearest', data_format: 'channels_last' },
    },
    conv('sr', 'up', 3, 3),
  ];
  const weights = new Map<string, WeightTensor>();
  let seed = 1;
  const channels = new Map<string, number>([['in', 3]]);
  for (const layer of layers) {
    const input = channels.get(layer.inputs[0] ?? '') ?? 3;
    if (layer.className === 'Conv2D') {
      const [kernel] = layer.config.kernel_size as number[];
      const filters = layer.config.filters as number;
      const shape = [kernel!, kernel!, input, filters];
      weights.set(`${layer.name}/kernel`, {
        shape,
        data: seededFloats(
          shape.reduce((a, b) => a * b),
          seed++,
        ),
      });
      weights.set(`${layer.name}/bias`, { shape: [filters], data: seededFloats(filters, seed++) });
      channels.set(layer.name, filters);
    } else if (layer.className === 'Concatenate') {
      channels.set(
        layer.name,
        layer.inputs.reduce((sum, name) => sum + channels.get(name)!, 0),
      );
    } else if (layer.className === 'PixelShuffle2x') {
      channels.set(layer.name, input / 4);
    } else {
      channels.set(layer.name, input);
    }
  }
  return { layers, inputName: 'in', outputName: 'sr', weights, files: [] };
}

interface Tensor {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** Plain-loop NHWC reference implementation of the synthetic network, following the Keras/TF definitions. */
function referenceForward(model: LayersModel, input: Tensor): Tensor {
  const values = new Map<string, Tensor>();
  for (const layer of model.layers) {
    const x = values.get(layer.inputs[0] ?? '') ?? input;
    let out: Tensor;
    switch (layer.className) {
      case 'InputLayer':
        out = input;
        break;
      case 'Conv2D': {
        const kernel = model.weights.get(`${layer.name}/kernel`)!;
        const bias = model.weights.get(`${layer.name}/bias`)!.data;
        const [k, , cin, cout] = kernel.shape as number[];
        const r = (k! - 1) / 2;
        const data = new Float32Array(x.height * x.width * cout!);
        for (let y = 0; y < x.height; y++)
          for (let xx = 0; xx < x.width; xx++)
            for (let o = 0; o < cout!; o++) {
              let sum = bias[o]!;
              for (let ky = 0; ky < k!; ky++)
                for (let kx = 0; kx < k!; kx++) {
                  const sy = y + ky - r;
                  const sx = xx + kx - r;
                  if (sy < 0 || sx < 0 || sy >= x.height || sx >= x.width) continue;
                  for (let i = 0; i < cin!; i++)
                    sum +=
                      x.data[(sy * x.width + sx) * cin! + i]! *
                      kernel.data[((ky * k! + kx) * cin! + i) * cout! + o]!;
                }
              data[(y * x.width + xx) * cout! + o] =
                layer.config.activation === 'relu' ? Math.max(0, sum) : sum;
            }
        out = { data, height: x.height, width: x.width, channels: cout! };
        break;
      }
      case 'Concatenate': {
        const parts = layer.inputs.map((name) => values.get(name)!);
        const channels = parts.reduce((sum, part) => sum + part.channels, 0);
        const data = new Float32Array(x.height * x.width * channels);
        for (let p = 0; p < x.height * x.width; p++) {
          let c = 0;
          for (const part of parts)
            for (let i = 0; i < part.channels; i++)
              data[p * channels + c++] = part.data[p * part.channels + i]!;
        }
        out = { ...x, data, channels };
        break;
      }
      case 'MultiplyBeta':
        out = { ...x, data: x.data.map((value) => value * 0.2) };
        break;
      case 'Add': {
        const other = values.get(layer.inputs[1]!)!;
        out = { ...x, data: x.data.map((value, index) => value + other.data[index]!) };
        break;
      }
      case 'Activation':
        out = { ...x, data: x.data.map((value) => Math.max(0, value)) };
        break;
      case 'PixelShuffle2x': {
        // tf.depthToSpace(x, 2, 'NHWC'): out[2y+i][2x+j][c] = in[y][x][(i*2+j)*C + c]
        const channels = x.channels / 4;
        const data = new Float32Array(x.data.length);
        for (let y = 0; y < x.height; y++)
          for (let xx = 0; xx < x.width; xx++)
            for (let i = 0; i < 2; i++)
              for (let j = 0; j < 2; j++)
                for (let c = 0; c < channels; c++)
                  data[((y * 2 + i) * x.width * 2 + xx * 2 + j) * channels + c] =
                    x.data[(y * x.width + xx) * x.channels + (i * 2 + j) * channels + c]!;
        out = { data, height: x.height * 2, width: x.width * 2, channels };
        break;
      }
      case 'UpSampling2D': {
        const data = new Float32Array(x.data.length * 4);
        for (let y = 0; y < x.height * 2; y++)
          for (let xx = 0; xx < x.width * 2; xx++)
            for (let c = 0; c < x.channels; c++)
              data[(y * x.width * 2 + xx) * x.channels + c] =
                x.data[(Math.floor(y / 2) * x.width + Math.floor(xx / 2)) * x.channels + c]!;
        out = { data, height: x.height * 2, width: x.width * 2, channels: x.channels };
        break;
      }
      default:
        throw new Error(`no reference for ${layer.className}`);
    }
    values.set(layer.name, out);
  }
  return values.get(model.outputName)!;
}

// One shared suite, run against every engine.
describe.each(tileEngineNames)('%s engine', (engineName) => {
  it('computes every ESRGAN layer type (custom layers included) as the TensorFlow definitions do', async () => {
    const model = syntheticModel();
    const engine = await createTileEngine(engineName, model);
    try {
      const [width, height] = [7, 5];
      const tile = seededFloats(width * height * 3, 99);
      const output = await engine.run(tile, width, height);
      const expected = referenceForward(model, { data: tile, width, height, channels: 3 });
      expect(output.length).toBe(expected.data.length);
      const largest = expected.data.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
      const error = output.reduce(
        (max, value, index) => Math.max(max, Math.abs(value - expected.data[index]!)),
        0,
      );
      expect(largest).toBeGreaterThan(0.1);
      expect(error).toBeLessThan(1e-4 * largest);
    } finally {
      await engine.dispose();
    }
  });

  it('loads the thick model (MultiplyBeta, PixelShuffle2x) from node_modules and runs it', async () => {
    const model = await readLayersModel(esrganModelDirectory(esrganVariant('thick', 2)));
    expect(model.layers.filter((layer) => layer.className === 'MultiplyBeta')).toHaveLength(40);
    expect(model.layers.some((layer) => layer.className === 'PixelShuffle2x')).toBe(true);
    const engine = await createTileEngine(engineName, model);
    try {
      // A soft gradient in thick's 0..1 range: the output must be a plausible 2x of it.
      const size = 12;
      const tile = Float32Array.from({ length: size * size * 3 }, (_, index) => {
        const pixel = Math.floor(index / 3);
        return 0.2 + 0.5 * ((pixel % size) / size);
      });
      const output = await engine.run(tile, size, size);
      expect(output.length).toBe(size * 2 * size * 2 * 3);
      const mean = output.reduce((sum, value) => sum + value, 0) / output.length;
      const inputMean = tile.reduce((sum, value) => sum + value, 0) / tile.length;
      expect(Math.abs(mean - inputMean)).toBeLessThan(0.03);
    } finally {
      await engine.dispose();
    }
  });
});

describe('the ONNX conversion', () => {
  it('turns a concatenation read by one 1x1 conv into a sum of convs, and keeps every other', async () => {
    const graph = async (size: 'slim' | 'thick') =>
      Buffer.from(layersModelToOnnx(await readLayersModel(esrganModelDirectory(esrganVariant(size, 2)))));
    // slim's concatenations all feed its 1x1 fusion convs; thick's dense blocks feed 3x3 convs.
    expect((await graph('slim')).includes('Concat')).toBe(false);
    expect((await graph('thick')).includes('Concat')).toBe(true);
    expect(Buffer.from(layersModelToOnnx(syntheticModel())).includes('Concat')).toBe(true);
  });
});

describe('the two engines', () => {
  it('agree on the real slim and thick networks (the ONNX conversion is faithful)', async () => {
    for (const [size, range] of [
      ['slim', 255],
      ['thick', 1],
    ] as const) {
      const model = await readLayersModel(esrganModelDirectory(esrganVariant(size, 4)));
      const tile = seededFloats(10 * 9 * 3, 5).map((value) => (value + 0.5) * range);
      const [onnx, tfjs] = await Promise.all(tileEngineNames.map((name) => createTileEngine(name, model)));
      const [a, b] = [await onnx!.run(tile, 10, 9), await tfjs!.run(tile, 10, 9)];
      await Promise.all([onnx!.dispose(), tfjs!.dispose()]);
      expect(a.length).toBe(40 * 36 * 3);
      const error = a.reduce((max, value, index) => Math.max(max, Math.abs(value - b[index]!)), 0);
      expect(error).toBeLessThan(range * 1e-4);
    }
  });
});
