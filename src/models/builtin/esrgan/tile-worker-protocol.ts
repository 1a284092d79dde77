import type { TileEngineName } from './tile-engine.ts';

/** What a tile worker needs to load its engine (sent as `workerData`). */
export interface TileWorkerSetup {
  readonly engine: TileEngineName;
  readonly modelDirectory: string;
  readonly packageName: string;
  readonly expectedDigests?: Readonly<Record<string, string>>;
}

export type TileWorkerRequest = {
  readonly type: 'tile';
  readonly id: number;
  readonly tile: Float32Array;
  readonly width: number;
  readonly height: number;
};

/** A failure as it crosses the thread boundary: the message plus the AtelierError code, if any. */
export interface TileWorkerFailure {
  readonly message: string;
  readonly code?: string;
}

export type TileWorkerResponse =
  | { readonly type: 'ready' }
  | { readonly type: 'load-failed'; readonly error: TileWorkerFailure }
  | { readonly type: 'done'; readonly id: number; readonly output: Float32Array }
  | { readonly type: 'failed'; readonly id: number; readonly error: TileWorkerFailure };
