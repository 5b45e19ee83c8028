import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Caller, ErrorCodes, ErrorReasons, type Reply, SchedulerSubjects, type SlotView } from '@gpulab/contracts';
import { useNatsServer } from '@gpulab/platform/testing';
import { GatewayError } from './errors';
import { SchedulerClient } from './scheduler-client';

const alpha: Caller = { role: 'member', team: 'alpha', name: 'ana' };

const slot: SlotView = { id: 'sl-1', team: 'alpha', kind: 'setup', server: 's1', gpus: [0, 1], startDay: 0, days: 1, bookedBy: 'ana', bookedAt: '2026-12-01T08:00:00.000Z', startDate: '2026-12-01', startsAt: '2026-12-01T00:00:00.000Z', endsAt: '2026-12-02T00:00:00.000Z' };

describe('the gateway’s scheduler client, against a real nats-server', () => {
  const nats = useNatsServer('scheduler-client');

  /** Plays the scheduler for one command: records what arrives and answers `reply`. */
  function answer(subject: string, reply: Reply<unknown>): unknown[] {
    const seen: unknown[] = [];
    nats.nc.subscribe(subject, {
      max: 1,
      callback: (_err, msg) => {
        seen.push(msg.json());
        msg.respond(JSON.stringify(reply));
      },
    });
    return seen;
  }

  it('sends a command on its table subject and answers the value the scheduler replies', async () => {
    const seen = answer(SchedulerSubjects.book, { ok: true, value: slot });
    await nats.nc.flush();
    const booked = await new SchedulerClient(nats.nc, 2000).call('book', { caller: alpha, kind: 'setup', startDate: '2026-12-01' });
    assert.deepEqual(booked, slot);
    assert.deepEqual(seen, [{ caller: alpha, kind: 'setup', startDate: '2026-12-01' }]);
  });

  it('throws the error the scheduler replies with its code, reason and metadata', async () => {
    answer(SchedulerSubjects.cancelSlot, { ok: false, error: { code: ErrorCodes.notFound, message: 'there is no slot sl-9', reason: ErrorReasons.slotNotFound, metadata: { slot: 'sl-9' } } });
    await nats.nc.flush();
    const refused = await new SchedulerClient(nats.nc, 2000).call('cancelSlot', { caller: alpha, slotId: 'sl-9' }).catch((e: unknown) => e);
    assert.ok(refused instanceof GatewayError);
    assert.equal(refused.code, ErrorCodes.notFound);
    assert.equal(refused.message, 'there is no slot sl-9');
    assert.equal(refused.reason, ErrorReasons.slotNotFound);
    assert.deepEqual(refused.metadata, { slot: 'sl-9' });
  });

  it('keeps the code but not a reason it does not know, from a newer scheduler', async () => {
    answer(SchedulerSubjects.teams, { ok: false, error: { code: ErrorCodes.permissionDenied, message: 'no', reason: 'SOMETHING_NEW' as never } });
    await nats.nc.flush();
    const refused = await new SchedulerClient(nats.nc, 2000).call('teams', { caller: alpha }).catch((e: unknown) => e);
    assert.ok(refused instanceof GatewayError);
    assert.equal(refused.code, ErrorCodes.permissionDenied);
    assert.equal(refused.reason, ErrorReasons.forbidden);
  });

  it('calls a command no scheduler answers UNAVAILABLE, a failure the caller may retry', async () => {
    const refused = await new SchedulerClient(nats.nc, 300).call('feasibility', { caller: alpha }).catch((e: unknown) => e);
    assert.ok(refused instanceof GatewayError);
    assert.equal(refused.code, ErrorCodes.unavailable);
    assert.match(refused.message, /the scheduler is not answering/);
  });

  it('accepts only the commands of the table, each with its own request type', () => {
    // Never run: the compiler is the test.
    const _unreachable = (client: SchedulerClient) => {
      // @ts-expect-error a command the scheduler does not have
      void client.call('reboot', { caller: alpha });
      // @ts-expect-error a booking without its start date
      void client.call('book', { caller: alpha, kind: 'setup' });
    };
    assert.equal(typeof _unreachable, 'function');
  });
});
