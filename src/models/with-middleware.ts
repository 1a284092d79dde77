import type { ImageModelV3, ImageModelV3Middleware } from '@ai-sdk/provider';
import { wrapImageModel } from 'ai';
import { disposeModel } from './role-model.ts';

/** An image model that frees what it holds when `dispose()` is called. */
export type DisposableImageModel = ImageModelV3 & { dispose(): Promise<void> };

/**
 * The one way Atelier wraps an image model: `wrapImageModel` from the AI SDK, which keeps the
 * inner model's `provider`, `modelId` and `maxImagesPerCall` (unless a middleware overrides
 * them), plus a `dispose()` that forwards to the inner model's, which `wrapImageModel` drops.
 * The first middleware sees a call first; the last one sits next to the model.
 *
 * @example
 * const model = withMiddleware(inner, limitCallsMiddleware(pLimit(4)));
 * await disposeModel(model); // disposes `inner`
 */
export function withMiddleware(
  model: ImageModelV3,
  ...middleware: ImageModelV3Middleware[]
): DisposableImageModel {
  const wrapped = wrapImageModel({ model, middleware });
  return Object.assign(wrapped, { dispose: () => disposeModel(model) });
}
