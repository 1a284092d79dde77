import { AtelierError } from '../../../errors.ts';
import { type KerasLayer, type LayersModel, layerOutputChannels } from './layers-model.ts';
import { encodeOnnxModel, type OnnxInitializer, type OnnxNode } from './onnx-model-encoder.ts';

/**
 * Name of the graph's input: a float32 NHWC image `[1, height, width, 3]` in the model's range,
 * the same layout as the Keras model, so every engine exchanges tiles in one layout.
 */
export const onnxInputName = 'image';
/** Name of the graph's output: the upscaled NHWC image. */
export const onnxOutputName = 'upscaled';

const opset = 13;

/**
 * Translates an ESRGAN TensorFlow.js layers model (NHWC, Keras layers) into an ONNX graph
 * (NCHW) that onnxruntime runs natively. Supported layers are exactly those the UpscalerJS
 * ESRGAN models use: Conv2D, Activation, Concatenate, Add, UpSampling2D and the thick model's
 * custom MultiplyBeta (x * beta) and PixelShuffle{2,4}x (TensorFlow's depth_to_space, which is
 * ONNX DepthToSpace in DCR order). Anything else is refused by name.
 */
export function layersModelToOnnx(model: LayersModel): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  const outputOf = new Map<string, string>();
  const source = (layer: KerasLayer, index = 0) => {
    const name = layer.inputs[index];
    const output = name === undefined ? undefined : outputOf.get(name);
    if (output === undefined) throw unsupported(layer, `input ${index} (${name}) is not produced earlier`);
    return output;
  };

  const channels = layerOutputChannels(model);
  const splitConcats = concatenationsIntoPointwiseConvs(model);

  for (const layer of model.layers) {
    const out = `${layer.name}:0`;
    const config = layer.config;
    const split = splitConcats.get(layer.inputs[0] ?? '');
    if (layer.className === 'Conv2D' && split) {
      nodes.push(...pointwiseConvOverParts(model, layer, split, channels, outputOf, initializers));
      outputOf.set(layer.name, out);
      continue;
    }
    if (splitConcats.has(layer.name)) continue;
    switch (layer.className) {
      case 'InputLayer':
        nodes.push(transpose(layer.name, onnxInputName, out, [0, 3, 1, 2]));
        break;
      case 'Conv2D': {
        const kernelSize = config.kernel_size as [number, number];
        checkEquals(layer, 'strides', config.strides, [1, 1]);
        checkEquals(layer, 'dilation_rate', config.dilation_rate, [1, 1]);
        checkEquals(layer, 'data_format', config.data_format, 'channels_last');
        const padding = config.padding === 'same' ? kernelSize.map((size) => (size - 1) / 2) : [0, 0];
        if (config.padding !== 'same' && !(kernelSize[0] === 1 && kernelSize[1] === 1)) {
          throw unsupported(
            layer,
            `padding "${String(config.padding)}" with a ${kernelSize.join('x')} kernel`,
          );
        }
        const kernel = requireWeight(model, layer, 'kernel');
        initializers.push({
          name: `${layer.name}/kernel`,
          dims: [kernel.shape[3]!, kernel.shape[2]!, kernel.shape[0]!, kernel.shape[1]!],
          float32: hwioToOihw(kernel.data, kernel.shape),
        });
        const inputs = [source(layer), `${layer.name}/kernel`];
        if (config.use_bias !== false) {
          const bias = requireWeight(model, layer, 'bias');
          initializers.push({ name: `${layer.name}/bias`, dims: [bias.shape[0]!], float32: bias.data });
          inputs.push(`${layer.name}/bias`);
        }
        const activation = config.activation as string;
        const convOut = activation === 'linear' ? out : `${layer.name}:conv`;
        nodes.push({
          opType: 'Conv',
          name: layer.name,
          inputs,
          outputs: [convOut],
          attributes: [
            { name: 'kernel_shape', ints: kernelSize },
            { name: 'pads', ints: [padding[0]!, padding[1]!, padding[0]!, padding[1]!] },
            { name: 'strides', ints: [1, 1] },
          ],
        });
        if (activation !== 'linear') nodes.push(activationNode(layer, activation, convOut, out));
        break;
      }
      case 'Activation':
        nodes.push(activationNode(layer, config.activation as string, source(layer), out));
        break;
      case 'Concatenate': {
        const axis = config.axis as number;
        if (axis !== 3 && axis !== -1) throw unsupported(layer, `concatenation on axis ${axis}`);
        nodes.push({
          opType: 'Concat',
          name: layer.name,
          inputs: layer.inputs.map((_, index) => source(layer, index)),
          outputs: [out],
          attributes: [{ name: 'axis', int: 1 }],
        });
        break;
      }
      case 'Add':
        nodes.push({
          opType: layer.inputs.length === 2 ? 'Add' : 'Sum',
          name: layer.name,
          inputs: layer.inputs.map((_, index) => source(layer, index)),
          outputs: [out],
        });
        break;
      case 'UpSampling2D': {
        const [sy, sx] = config.size as [number, number];
        if (config.interpolation !== 'nearest') {
          throw unsupported(layer, `interpolation "${String(config.interpolation)}"`);
        }
        initializers.push({
          name: `${layer.name}/scales`,
          dims: [4],
          float32: Float32Array.of(1, 1, sy, sx),
        });
        nodes.push({
          opType: 'Resize',
          name: layer.name,
          inputs: [source(layer), '', `${layer.name}/scales`],
          outputs: [out],
          attributes: [
            { name: 'mode', string: 'nearest' },
            { name: 'coordinate_transformation_mode', string: 'asymmetric' },
            { name: 'nearest_mode', string: 'floor' },
          ],
        });
        break;
      }
      case 'MultiplyBeta': {
        const beta = typeof config.beta === 'number' ? config.beta : 0.2;
        initializers.push({ name: `${layer.name}/beta`, dims: [], float32: Float32Array.of(beta) });
        nodes.push({
          opType: 'Mul',
          name: layer.name,
          inputs: [source(layer), `${layer.name}/beta`],
          outputs: [out],
        });
        break;
      }
      default: {
        const shuffle = /^PixelShuffle(\d+)x$/.exec(layer.className);
        if (!shuffle) throw unsupported(layer, 'this layer type');
        nodes.push({
          opType: 'DepthToSpace',
          name: layer.name,
          inputs: [source(layer)],
          outputs: [out],
          attributes: [
            { name: 'blocksize', int: Number(shuffle[1]) },
            { name: 'mode', string: 'DCR' },
          ],
        });
      }
    }
    outputOf.set(layer.name, out);
  }

  const final = outputOf.get(model.outputName);
  if (!final)
    throw new AtelierError('MODEL_UNAVAILABLE', `ESRGAN graph has no layer named ${model.outputName}`);
  nodes.push(transpose('output', final, onnxOutputName, [0, 2, 3, 1]));
  return encodeOnnxModel(
    {
      name: 'esrgan',
      nodes,
      initializers,
      inputs: [{ name: onnxInputName, dims: [1, 'height', 'width', 3] }],
      outputs: [{ name: onnxOutputName, dims: [1, 'upscaled_height', 'upscaled_width', 3] }],
    },
    { opset, producer: 'atelier' },
  );
}

/**
 * Channel concatenations read only by one 1x1 convolution (the RDN blocks' local fusion, and
 * their global fusion): such a conv is the sum of 1x1 convs over the parts, each with its slice of
 * the kernel. onnxruntime then runs every part in its blocked (NCHWc) layout and adds them inside
 * the convolution, instead of copying both parts into a concatenated tensor in the plain layout
 * and reordering around it: about 6% less time per tile for slim. Each name maps to the concat's inputs.
 */
function concatenationsIntoPointwiseConvs(model: LayersModel): Map<string, readonly string[]> {
  const readers = new Map<string, KerasLayer[]>();
  for (const layer of model.layers) {
    for (const input of layer.inputs) readers.set(input, [...(readers.get(input) ?? []), layer]);
  }
  const split = new Map<string, readonly string[]>();
  for (const layer of model.layers) {
    if (layer.className !== 'Concatenate' || layer.name === model.outputName) continue;
    const only = readers.get(layer.name);
    const reader = only?.length === 1 ? only[0]! : undefined;
    const kernel = reader?.className === 'Conv2D' ? (reader.config.kernel_size as number[]) : undefined;
    if (kernel?.[0] === 1 && kernel[1] === 1 && reader!.inputs.length === 1)
      split.set(layer.name, layer.inputs);
  }
  return split;
}

/** `conv(concat(a, b, ...))` as `conv_a(a) + conv_b(b) + ...` for a 1x1 kernel; the bias goes to the first part. */
function pointwiseConvOverParts(
  model: LayersModel,
  layer: KerasLayer,
  parts: readonly string[],
  channels: ReadonlyMap<string, number>,
  outputOf: ReadonlyMap<string, string>,
  initializers: OnnxInitializer[],
): OnnxNode[] {
  const kernel = requireWeight(model, layer, 'kernel');
  const oihw = hwioToOihw(kernel.data, kernel.shape);
  const [cin, cout] = [kernel.shape[2]!, kernel.shape[3]!];
  const useBias = layer.config.use_bias !== false;
  if (useBias) {
    const bias = requireWeight(model, layer, 'bias');
    initializers.push({ name: `${layer.name}/bias`, dims: [bias.shape[0]!], float32: bias.data });
  }
  const nodes: OnnxNode[] = [];
  const activation = layer.config.activation as string;
  let sum: string | undefined;
  let first = 0;
  parts.forEach((part, index) => {
    const width = channels.get(part)!;
    const slice = new Float32Array(cout * width);
    for (let o = 0; o < cout; o++)
      slice.set(oihw.subarray(o * cin + first, o * cin + first + width), o * width);
    first += width;
    initializers.push({ name: `${layer.name}/kernel/${index}`, dims: [cout, width, 1, 1], float32: slice });
    const input = outputOf.get(part);
    if (input === undefined) throw unsupported(layer, `input ${part} is not produced earlier`);
    const partOut = `${layer.name}:part${index}`;
    nodes.push({
      opType: 'Conv',
      name: `${layer.name}/part${index}`,
      inputs: [
        input,
        `${layer.name}/kernel/${index}`,
        ...(index === 0 && useBias ? [`${layer.name}/bias`] : []),
      ],
      outputs: [partOut],
      attributes: [
        { name: 'kernel_shape', ints: [1, 1] },
        { name: 'pads', ints: [0, 0, 0, 0] },
        { name: 'strides', ints: [1, 1] },
      ],
    });
    if (sum === undefined) sum = partOut;
    else {
      const last = index === parts.length - 1;
      const added = last && activation === 'linear' ? `${layer.name}:0` : `${layer.name}:sum${index}`;
      nodes.push({
        opType: 'Add',
        name: `${layer.name}/sum${index}`,
        inputs: [sum, partOut],
        outputs: [added],
      });
      sum = added;
    }
  });
  if (first !== cin) throw unsupported(layer, `a concatenation of ${first} channels into a kernel of ${cin}`);
  if (activation !== 'linear') nodes.push(activationNode(layer, activation, sum!, `${layer.name}:0`));
  else if (sum !== `${layer.name}:0`) nodes.push(activationNode(layer, 'linear', sum!, `${layer.name}:0`));
  return nodes;
}

function transpose(name: string, input: string, output: string, perm: number[]): OnnxNode {
  return {
    opType: 'Transpose',
    name,
    inputs: [input],
    outputs: [output],
    attributes: [{ name: 'perm', ints: perm }],
  };
}

function activationNode(layer: KerasLayer, activation: string, input: string, output: string): OnnxNode {
  if (activation === 'relu')
    return { opType: 'Relu', name: `${layer.name}/relu`, inputs: [input], outputs: [output] };
  if (activation === 'linear')
    return { opType: 'Identity', name: layer.name, inputs: [input], outputs: [output] };
  throw unsupported(layer, `activation "${activation}"`);
}

function requireWeight(model: LayersModel, layer: KerasLayer, kind: 'kernel' | 'bias') {
  const weight = model.weights.get(`${layer.name}/${kind}`);
  if (!weight) {
    throw new AtelierError('MODEL_UNAVAILABLE', `ESRGAN weights have no ${kind} for layer ${layer.name}`);
  }
  return weight;
}

/** Keras stores kernels as [height, width, in, out]; ONNX Conv wants [out, in, height, width]. */
function hwioToOihw(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o]!;
        }
      }
    }
  }
  return out;
}

function checkEquals(layer: KerasLayer, key: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw unsupported(layer, `${key} ${JSON.stringify(actual)} (expected ${JSON.stringify(expected)})`);
  }
}

function unsupported(layer: KerasLayer, what: string): AtelierError {
  return new AtelierError(
    'MODEL_UNAVAILABLE',
    `ESRGAN layer ${layer.name} (${layer.className}) cannot be converted: unsupported ${what}`,
  );
}
