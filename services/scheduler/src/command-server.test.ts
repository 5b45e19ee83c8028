import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PinoLogger } from 'nestjs-pino';
import { type Caller, ErrorCodes, ErrorReasons, type Reply, SCHEDULER_COMMAND_NAMES, type SchedulerCommandHandlers, SchedulerSubjects, type TeamView } from '@gpulab/contracts';
import { useNatsServer } from '@gpulab/platform/testing';
import { CommandServer } from './command-server';
import { CommandError } from './errors';

const tutor: Caller = { role: 'tutor', name: 'tutor' };
const delta: TeamView = { name: 'delta', members: [], roster: [], source: 'tutor' };

/** Handlers that refuse every command but those a test gives. */
function handlers(given: Partial<SchedulerCommandHandlers>): SchedulerCommandHandlers {
  const refuse = () => Promise.reject(new Error('not part of this test'));
  return { ...(Object.fromEntries(SCHEDULER_COMMAND_NAMES.map((name) => [name, refuse])) as unknown as SchedulerCommandHandlers), ...given };
}

describe('the scheduler’s command server, against a real nats-server', () => {
  const nats = useNatsServer('command-server');
  const silent = new PinoLogger({ pinoHttp: { level: 'silent' } });

  async function serving(given: Partial<SchedulerCommandHandlers>): Promise<CommandServer> {
    const server = new CommandServer(silent, nats.nc, handlers(given));
    await server.start();
    return server;
  }
  async function send(subject: string, body: unknown): Promise<Reply<unknown>> {
    return (await nats.nc.request(subject, JSON.stringify(body), { timeout: 2000 })).json<Reply<unknown>>();
  }

  it('answers a command on its table subject with what its handler returns', async () => {
    const seen: unknown[] = [];
    const server = await serving({
      createTeam: async (c) => {
        seen.push(c);
        return delta;
      },
    });
    try {
      assert.deepEqual(await send(SchedulerSubjects.createTeam, { caller: tutor, team: 'delta' }), { ok: true, value: delta });
      assert.deepEqual(seen, [{ caller: tutor, team: 'delta' }]);
    } finally {
      await server.close();
    }
  });

  it('answers a refusal with its code, reason and metadata, and anything else as INTERNAL without its message', async () => {
    const server = await serving({
      cancelSlot: () => Promise.reject(new CommandError(ErrorCodes.notFound, 'there is no slot sl-9', { reason: ErrorReasons.slotNotFound, metadata: { slot: 'sl-9' } })),
      moveSlot: () => Promise.reject(new Error('KV write timed out at 10.0.0.7')),
    });
    try {
      assert.deepEqual(await send(SchedulerSubjects.cancelSlot, { caller: tutor, slotId: 'sl-9' }), {
        ok: false,
        error: { code: ErrorCodes.notFound, message: 'there is no slot sl-9', reason: ErrorReasons.slotNotFound, metadata: { slot: 'sl-9' } },
      });
      assert.deepEqual(await send(SchedulerSubjects.moveSlot, { caller: tutor, slotId: 'sl-9', startDate: '2026-12-02' }), {
        ok: false,
        error: { code: ErrorCodes.internal, message: 'the scheduler could not carry out the command; try again', reason: ErrorReasons.internal },
      });
    } finally {
      await server.close();
    }
  });

  it('serves no subject outside the table, and nothing once closed', async () => {
    const server = await serving({ teams: async () => [delta] });
    await assert.rejects(send('gpulab.scheduler.admin.reboot', { caller: tutor }), /503|no responders/i);
    assert.deepEqual(await send(SchedulerSubjects.teams, { caller: tutor }), { ok: true, value: [delta] });
    await server.close();
    await assert.rejects(send(SchedulerSubjects.teams, { caller: tutor }), /503|no responders/i);
  });

  it('does not compile without a handler for every command', () => {
    const { rotateMember: _rotateMember, ...withoutOne } = handlers({});
    // @ts-expect-error rotateMember has no handler
    const incomplete: SchedulerCommandHandlers = withoutOne;
    assert.equal(Object.keys(incomplete).length, SCHEDULER_COMMAND_NAMES.length - 1);
  });
});
