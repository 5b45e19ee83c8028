/**
 * nats.js (nats-core 3.x) can reject a reconnect attempt's dial timer with no one listening:
 * seen when nats-server is stopped and started again while the machine is busy. The client
 * goes on reconnecting on its own, so that rejection is noise; left alone, Node ends the
 * process on it, and a job's worker would lose its attempt over a restart it survives.
 */

/** A rejection made by the NATS client's own reconnect loop, not by any call of ours. */
export function isStrayNatsDialError(reason: unknown): boolean {
  if (!(reason instanceof Error)) return false;
  if (reason.name !== 'TimeoutError' && reason.name !== 'ConnectionError') return false;
  return /ProtocolHandler\.(dial|_doDial|dodialLoop)\b/.test(reason.stack ?? '');
}

let installed = false;

/**
 * Ignores (and reports) the NATS client's stray reconnect rejections in this process or thread;
 * every other unhandled rejection still ends it, as Node's default does. Safe to call often.
 */
export function tolerateStrayNatsDialErrors(report: (error: Error) => void = () => undefined): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (isStrayNatsDialError(reason)) {
      report(reason as Error);
      return;
    }
    // Node's own behaviour for everything else: the process ends with this error.
    throw reason;
  });
}
