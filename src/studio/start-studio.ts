import { stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { AtelierError } from '../errors.ts';
import { CampaignCatalog } from './campaign-catalog.ts';
import { RunManager } from './run-manager.ts';
import { isLoopback } from './studio-access.ts';
import { createStudioApp } from './studio-app.ts';

export interface StartStudioOptions {
  /** The folder whose campaigns (`atelier.yaml`, up to two levels down) the studio shows. */
  workspaceDirectory: string;
  /** Bind address; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Required when `host` is not loopback. */
  token?: string;
}

export interface RunningStudio {
  /** The address to open; carries `?token=` when a token is set. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly catalog: CampaignCatalog;
  readonly runs: RunManager;
  /** Stops runs (jobs in flight finish), ends event streams and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves the studio over HTTP. On loopback no token is needed and the Host header is checked;
 * on any other address a token is required on every request.
 *
 * @example
 * const studio = await startStudio({ workspaceDirectory: 'examples', port: 0 });
 * console.log(studio.url); // http://127.0.0.1:41234/
 * await studio.close();
 */
export async function startStudio(options: StartStudioOptions): Promise<RunningStudio> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  if (!loopback && !options.token) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `Binding the studio to ${host} needs an access token: pass --token or set ATELIER_STUDIO_TOKEN`,
    );
  }
  const folder = await stat(options.workspaceDirectory).catch(() => undefined);
  if (!folder?.isDirectory()) {
    throw new AtelierError(
      'CONFIG_NOT_FOUND',
      `Expected a folder of campaigns for the studio but ${resolve(options.workspaceDirectory)} ${folder ? 'is a file' : 'does not exist'}`,
    );
  }
  const catalog = new CampaignCatalog(options.workspaceDirectory);
  await catalog.list();
  const runs = new RunManager();
  const shutdown = new AbortController();
  const app = createStudioApp({
    catalog,
    runs,
    token: options.token,
    allowedHostNames: loopback ? ['127.0.0.1', 'localhost', '[::1]', host] : undefined,
    shutdown: shutdown.signal,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 4178 }, () =>
      resolve(created as Server),
    ) as Server;
    created.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new AtelierError(
              'INVALID_ARGUMENT',
              `Port ${options.port} on ${host} is in use: pick another with --port`,
            )
          : error,
      ),
    );
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    catalog,
    runs,
    close() {
      closing ??= (async () => {
        shutdown.abort();
        await runs.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        catalog.close();
      })();
      return closing;
    },
  };
}
