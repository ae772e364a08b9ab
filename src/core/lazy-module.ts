/**
 * A module imported on first use. Calling it imports the module once (later calls share the
 * same promise; a failed import is tried again on the next call). `loaded()` returns the
 * module only when an earlier call imported it: code that must stay synchronous (an
 * `instanceof` against an SDK's error class, say) can use it, since an object of the SDK's
 * classes can exist only after the SDK was loaded.
 *
 * Start-up imports no SDK that a tenant may never use this way: each costs tens to hundreds
 * of milliseconds of CPU and megabytes of memory (`bench/README.md`, "Start-up").
 */
export interface LazyModule<T> {
  (): Promise<T>;
  loaded(): T | undefined;
}

export function lazyModule<T>(load: () => Promise<T>): LazyModule<T> {
  let loading: Promise<T> | undefined;
  let module: T | undefined;
  const get = () => {
    loading ??= load().then(
      (value) => {
        module = value;
        return value;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  return Object.assign(get, { loaded: () => module });
}
