/**
 * Runs in a worker thread of a job's worker process: beats while the main thread computes,
 * so a long synchronous step does not look like a dead worker, while a dead process or host
 * (the case leases are for) stops the beats.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '@nats-io/transport-node';
import { type Heartbeat, heartbeatSubject } from '@gpulab/contracts';

interface Data {
  natsUrl: string;
  jobId: string;
  attempt: number;
  intervalMs: number;
}

async function beat(): Promise<void> {
  const data = workerData as Data;
  const nc = await connect({ servers: data.natsUrl, name: `gpulab-heartbeat-${data.jobId}`, maxReconnectAttempts: -1 });
  const body = JSON.stringify({ jobId: data.jobId, attempt: data.attempt } satisfies Heartbeat);
  const send = () => nc.publish(heartbeatSubject(data.jobId), body);
  send();
  const timer = setInterval(send, data.intervalMs);
  parentPort?.once('message', () => {
    clearInterval(timer);
    void nc.close().then(() => process.exit(0));
  });
}

void beat();
