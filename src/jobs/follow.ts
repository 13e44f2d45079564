/**
 * The loop that follows something of a job (its log, its metrics) until it has all of it: one
 * step at a time, each saying how long to wait before the next, or that it is done; a failed
 * step is reported and tried again. Stopped by the returned function (a React effect's cleanup).
 */
export function follow(
  /** One step; `signal` aborts a stream it opened. Resolves the milliseconds until the next step, or null when done. */
  step: (signal: AbortSignal) => Promise<number | null>,
  onError: (e: Error) => void,
  retryMs = 3000
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const events = new AbortController();
  const next = async () => {
    let wait: number | null;
    try {
      wait = await step(events.signal);
    } catch (e) {
      if (stopped) {
        return;
      }
      onError(e as Error);
      wait = retryMs;
    }
    if (!stopped && wait !== null) {
      timer = setTimeout(next, wait);
    }
  };
  void next();
  return () => {
    stopped = true;
    events.abort();
    clearTimeout(timer);
  };
}
