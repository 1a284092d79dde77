// Worker threads do not inherit the tsx loader of the thread that starts them (Node 20), so
// each tile worker registers it for itself before loading the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./tile-worker.ts');
