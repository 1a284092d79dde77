import { parentPort, workerData } from 'node:worker_threads';
import { AtelierError } from '../../../errors.ts';
import { createTileEngine } from './create-tile-engine.ts';
import { readLayersModel } from './layers-model.ts';
import type { TileEngine } from './tile-engine.ts';
import type {
  TileWorkerFailure,
  TileWorkerRequest,
  TileWorkerResponse,
  TileWorkerSetup,
} from './tile-worker-protocol.ts';

/**
 * A worker thread holding one single-threaded engine: it loads (and checks) the weights once,
 * then upscales the tiles it is sent, one at a time. Started through
 * `tile-worker-bootstrap.mjs`, which registers tsx in this thread.
 */
const port = parentPort!;
const setup = workerData as TileWorkerSetup;
const post = (message: TileWorkerResponse, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

let engine: TileEngine;
try {
  const model = await readLayersModel(setup.modelDirectory, {
    packageName: setup.packageName,
    expectedDigests: setup.expectedDigests,
  });
  engine = await createTileEngine(setup.engine, model);
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'load-failed', error: toFailure(error) });
  process.exit(1);
}

port.on('message', async (request: TileWorkerRequest) => {
  try {
    const output = await engine.run(request.tile, request.width, request.height);
    // Move the result rather than copy it; onnxruntime may own memory that cannot be moved,
    // and then the one copy is made here.
    const movable = output.byteOffset === 0 && output.byteLength === output.buffer.byteLength;
    try {
      if (!movable) throw new Error('not movable');
      post({ type: 'done', id: request.id, output }, [output.buffer as ArrayBuffer]);
    } catch {
      const copy = output.slice();
      post({ type: 'done', id: request.id, output: copy }, [copy.buffer]);
    }
  } catch (error) {
    post({ type: 'failed', id: request.id, error: toFailure(error) });
  }
});

function toFailure(error: unknown): TileWorkerFailure {
  return AtelierError.isInstance(error)
    ? { message: error.message, code: error.code }
    : { message: error instanceof Error ? error.message : String(error) };
}
