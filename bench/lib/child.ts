import { type ChildProcess, fork } from 'node:child_process';

/**
 * A server under test in its own process, so that it has its own event loop and the load
 * generator (in the parent) does not run on it. The child sends one message when it is
 * listening and one in answer to "finish", then exits.
 */
export interface ServerChild<Ready, Finished> {
  ready: Ready;
  /** The child's process id (its resident memory is read from /proc). */
  pid: number;
  /** Asks the child to close, returns its final report and waits for it to exit. */
  finish(): Promise<Finished>;
}

export async function startServerChild<Ready, Finished>(
  file: URL,
  options: { env?: Record<string, string>; execArgv?: string[] } = {},
): Promise<ServerChild<Ready, Finished>> {
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await nextMessage<Ready>(child);
  return {
    ready,
    pid: child.pid!,
    async finish() {
      const finished = nextMessage<Finished>(child);
      child.send({ type: 'finish' });
      const report = await finished;
      await exited;
      return report;
    },
  };
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server process exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

/** In a child: waits for the parent's "finish", runs `close` and sends its report before exiting. */
export function onFinish(close: () => Promise<unknown>): void {
  process.once('message', () => {
    close()
      .then((report) => process.send?.(report ?? {}, () => process.exit(0)))
      .catch((error: unknown) => {
        process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      });
  });
}
