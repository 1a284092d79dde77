import type * as tfjs from '@tensorflow/tfjs';

type Tf = typeof tfjs;
type LayerArgs = ConstructorParameters<Tf['layers']['Layer']>[0] & { beta?: number; scale?: number };

const registered = new WeakSet<object>();

/**
 * Registers the thick ESRGAN model's custom Keras layers with a TensorFlow.js instance, with the
 * semantics of UpscalerJS's own definitions (`packages/shared/src/esrgan`):
 * - `MultiplyBeta`: the residual scaling of RRDB blocks, `x * beta` (beta = 0.2 in the weights).
 * - `PixelShuffle{2,4}x`: sub-pixel upsampling, `depthToSpace(x, scale, 'NHWC')`.
 * Without them `loadLayersModel` refuses the thick model ("Unknown layer: MultiplyBeta").
 */
export function registerEsrganLayers(tf: Tf): void {
  if (registered.has(tf)) return;
  registered.add(tf);
  const input = (inputs: tfjs.Tensor | tfjs.Tensor[]) => (Array.isArray(inputs) ? inputs[0]! : inputs);

  class MultiplyBeta extends tf.layers.Layer {
    static className = 'MultiplyBeta';
    readonly beta: number;
    constructor(config: LayerArgs) {
      super(config);
      this.beta = config.beta ?? 0.2;
    }
    override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
      return tf.mul(input(inputs), this.beta);
    }
    override getConfig() {
      return { ...super.getConfig(), beta: this.beta };
    }
  }
  tf.serialization.registerClass(MultiplyBeta);

  for (const scale of [2, 3, 4, 8]) {
    class PixelShuffle extends tf.layers.Layer {
      static className = `PixelShuffle${scale}x`;
      readonly scale = scale;
      override computeOutputShape(shape: tfjs.Shape | tfjs.Shape[]): tfjs.Shape {
        const [batch, height, width, channels] = (Array.isArray(shape[0]) ? shape[0] : shape) as tfjs.Shape;
        const grow = (value: number | null | undefined) => (value == null ? null : value * scale);
        return [
          batch ?? null,
          grow(height),
          grow(width),
          channels == null ? null : channels / (scale * scale),
        ];
      }
      override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
        return tf.depthToSpace(input(inputs) as tfjs.Tensor4D, scale, 'NHWC');
      }
    }
    tf.serialization.registerClass(PixelShuffle);
  }
}
