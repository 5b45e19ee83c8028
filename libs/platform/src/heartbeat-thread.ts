/**
 * Runs in a worker thread of a job's worker process: beats while the main thread computes,
 * so a long synchronous step does not look like a dead worker, while a dead process or host
 * (the case leases are for) stops the beats. Each beat is a request: when the scheduler answers
 * that the attempt is no longer current, the main thread is told, and the worker stops.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { heartbeatSubject, type HeartbeatReply, workerInboxPrefix } from '@gpulab/contracts';
import { connectNats, type NatsTls } from './nats-connection';

interface Data {
  natsUrl: string;
  creds?: string;
  tls?: NatsTls;
  jobId: string;
  attempt: number;
  intervalMs: number;
}

async function beat(): Promise<void> {
  const data = workerData as Data;
  const nc = await connectNats({ url: data.natsUrl, name: `gpulab-heartbeat-${data.jobId}`, creds: data.creds, tls: data.tls, inboxPrefix: workerInboxPrefix(data.jobId, data.attempt) });
  const subject = heartbeatSubject(data.jobId, data.attempt);
  const send = () =>
    nc.request(subject, '', { timeout: data.intervalMs }).then(
      (msg) => {
        if (!msg.json<HeartbeatReply>().current) parentPort?.postMessage('not-current');
      },
      // No answer (a scheduler restarting, a slow link): the next beat asks again, and the
      // scheduler's own lease timeout decides whether the attempt is lost.
      () => undefined,
    );
  void send();
  const timer = setInterval(() => void send(), data.intervalMs);
  parentPort?.once('message', () => {
    clearInterval(timer);
    void nc.close().then(() => process.exit(0));
  });
}

// A first connection that fails (nats-server down as the worker starts) ends this thread with the
// error, and the main thread starts it again.
beat().catch((error: unknown) => setImmediate(() => {
  throw error;
}));
