// Worker threads do not inherit the tsx loader of the thread that starts them (Node 20), so a
// tile worker started from the TypeScript sources registers it for itself. Compiled (dist/), the
// worker module is JavaScript and the loader (a few hundred ms per worker) is not needed.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./tile-worker.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./tile-worker.ts');
