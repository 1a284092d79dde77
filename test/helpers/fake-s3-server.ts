import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface FakeS3 {
  endpoint: string;
  objects: Map<string, Buffer>;
  requests: Array<{ method: string; path: string; ifNoneMatch: string | undefined }>;
  close(): Promise<void>;
}

/**
 * A tiny S3-compatible server on 127.0.0.1: PUT (with `If-None-Match: *`), GET and HEAD of
 * objects, path-style, no authentication check. Enough to drive the real AWS SDK client.
 */
export async function startFakeS3(): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const requests: FakeS3['requests'] = [];
  const body = (request: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks)));
      request.on('error', reject);
    });
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.push({ method: request.method ?? '', path, ifNoneMatch: request.headers['if-none-match'] });
    const error = (status: number, code: string) => {
      response.writeHead(status, { 'content-type': 'application/xml' });
      response.end(
        request.method === 'HEAD'
          ? undefined
          : `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`,
      );
    };
    if (request.method === 'PUT') {
      const bytes = await body(request);
      if (request.headers['if-none-match'] === '*' && objects.has(path))
        return error(412, 'PreconditionFailed');
      objects.set(path, bytes);
      response.writeHead(200, { etag: '"fake"' });
      return response.end();
    }
    const object = objects.get(path);
    if (!object) return error(404, 'NoSuchKey');
    response.writeHead(200, {
      'content-length': String(object.byteLength),
      'content-type': 'application/octet-stream',
      etag: '"fake"',
    });
    response.end(request.method === 'HEAD' ? undefined : object);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
