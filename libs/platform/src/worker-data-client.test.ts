import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workerDataSubject } from '@gpulab/contracts';
import { useNatsServer } from './testing/nats-fixture';
import { WorkerDataClient, WorkerDataError } from './worker-data-client';

describe("a worker's data requests while no scheduler serves them", () => {
  const nats = useNatsServer('worker-data-client');

  it('asks again until a scheduler answers (one restarting, a standby taking over)', async () => {
    const client = new WorkerDataClient(nats.nc, 'j-retry', 1, 10_000);
    setTimeout(() => {
      nats.nc.subscribe(workerDataSubject('j-retry', 1, 'job'), { max: 1, callback: (_err, msg) => {
          msg.respond(JSON.stringify({ id: 'j-retry' }));
        },
      });
    }, 700);
    const started = Date.now();
    assert.equal((await client.job()).id, 'j-retry');
    assert.ok(Date.now() - started >= 600, 'answered by the scheduler that came later');
  });

  it('gives up with a retryable error once its deadline passed', async () => {
    const client = new WorkerDataClient(nats.nc, 'j-nobody', 1, 1000);
    const error = await client.job().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof WorkerDataError);
    assert.equal(error.code, 'unavailable');
    assert.equal(error.retryable, true);
    assert.match(error.message, /no responders/);
  });
});
