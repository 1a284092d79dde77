import type { ImageModelV3, ImageModelV3Middleware } from '@ai-sdk/provider';
import { disposeModel, warmUpModel } from './role-model.ts';

/** An image model that frees what it holds when `dispose()` is called (and can be warmed up). */
export type DisposableImageModel = ImageModelV3 & {
  dispose(): Promise<void>;
  warmUp(settings: Readonly<Record<string, unknown>>): Promise<void>;
};

/**
 * The one way Atelier wraps an image model: `wrapImageModel` from the AI SDK, which keeps the
 * inner model's `provider`, `modelId` and `maxImagesPerCall` (unless a middleware overrides
 * them), plus `dispose()` and `warmUp()` that forward to the inner model's, which `wrapImageModel`
 * drops.
 * The first middleware sees a call first; the last one sits next to the model. The AI SDK loads
 * with the first model wrapped (~50 ms a command that makes no model never spends).
 *
 * @example
 * const model = await withMiddleware(inner, limitCallsMiddleware(pLimit(4)));
 * await disposeModel(model); // disposes `inner`
 */
export async function withMiddleware(
  model: ImageModelV3,
  ...middleware: ImageModelV3Middleware[]
): Promise<DisposableImageModel> {
  const { wrapImageModel } = await import('ai');
  const wrapped = wrapImageModel({ model, middleware });
  return Object.assign(wrapped, {
    dispose: () => disposeModel(model),
    warmUp: (settings: Readonly<Record<string, unknown>>) => warmUpModel(model, settings),
  });
}
