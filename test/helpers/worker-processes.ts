import { type ChildProcess, spawn } from 'node:child_process';

const bin = new URL('../../bin/atelier.js', import.meta.url).pathname;

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output: () => string;
}

/**
 * Starts `atelier worker` processes (the real executable) and resolves once each says it is
 * ready. Call `stopWorkers` in afterAll/finally: it SIGKILLs whatever is still running.
 */
export async function startWorkers(
  count: number,
  args: string[],
  env: NodeJS.ProcessEnv,
  started: WorkerProcess[],
): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, [bin, 'worker', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const worker = { child, pid: child.pid ?? 0, output: () => output };
    started.push(worker);
    return worker;
  });
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`worker never became ready: ${worker.output()}`)),
            30_000,
          );
          const check = () => {
            if (worker.output().includes('ready on')) {
              clearTimeout(timer);
              resolve();
            }
          };
          worker.child.stderr?.on('data', check);
          worker.child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`worker exited with ${code}: ${worker.output()}`));
          });
        }),
    ),
  );
  return workers;
}

export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.splice(0).map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
          worker.child.once('exit', () => resolve());
          worker.child.kill('SIGKILL');
        }),
    ),
  );
}
