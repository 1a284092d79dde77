// `node --import ./record-loaded-modules.mjs …`: writes every module the process loaded (ES
// module URLs as the loader resolved them, and CommonJS files from the require cache) to the
// file named by ATELIER_LOADED_MODULES when the process exits. Plain JavaScript, so it works
// in a process that runs compiled code without tsx.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const output = process.env.ATELIER_LOADED_MODULES;
if (output) {
  const loaded = new Set();
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => loaded.add(url));
  port1.unref();
  const hooks = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function load(url, context, nextLoad) {
      port.postMessage(url);
      return nextLoad(url, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
  const requireCache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    for (const path of Object.keys(requireCache)) loaded.add(pathToFileURL(path).href);
    writeFileSync(output, `${[...loaded].sort().join('\n')}\n`);
  });
}
