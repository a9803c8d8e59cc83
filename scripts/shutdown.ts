/**
 * Stops a service once on SIGINT or SIGTERM: `stop` drains in-flight work; past `deadlineMs`
 * the process exits regardless, so a stuck connection never keeps a service half-alive.
 */
export function stopOnSignal(stop: (signal: string) => Promise<void>, deadlineMs: number): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), deadlineMs).unref();
    await stop(signal);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
