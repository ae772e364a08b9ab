import { type ChildProcess, fork } from 'node:child_process';

/**
 * The bench's processes: each role (gateway, relay, model, callers) runs in a child of its
 * own, so none runs on another's event loop. The parent asks, the child answers each
 * message in order; `finish` ends the child.
 */
export interface RoleProcess {
  pid: number;
  ask<T>(message: object): Promise<T>;
  finish(): Promise<void>;
}

export async function startRole<Ready>(
  role: string,
  options: { env?: Record<string, string>; execArgv?: string[] } = {},
): Promise<{ ready: Ready; process: RoleProcess }> {
  const child = fork(new URL('../voice.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env, BENCH_VOICE_ROLE: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await nextMessage<Ready>(child, role);
  return {
    ready,
    process: {
      pid: child.pid!,
      ask<T>(message: object) {
        const answer = nextMessage<T>(child, role);
        child.send(message);
        return answer;
      },
      async finish() {
        child.send({ type: 'finish' });
        await exited;
      },
    },
  };
}

function nextMessage<T>(child: ChildProcess, role: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the ${role} process exited (code ${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

/**
 * In a child: says it is ready, then answers each message with `handle`'s result, in order;
 * `finish` runs `close` and exits (through `process.exit`, which still writes a `--cpu-prof` profile).
 */
export function serveRole(
  ready: object,
  handle: (message: { type: string } & Record<string, unknown>) => Promise<object>,
  close: () => Promise<void>,
): void {
  let queue = Promise.resolve();
  process.on('message', (message: { type: string } & Record<string, unknown>) => {
    queue = queue
      .then(async () => {
        if (message.type === 'finish') {
          await close();
          process.exit(0);
        }
        process.send?.(await handle(message));
      })
      .catch((error: unknown) => {
        process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      });
  });
  process.send?.(ready);
}
