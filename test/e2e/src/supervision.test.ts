import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStack, type ServiceEvent } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError } from '@gpulab/sdk';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

/** The local stack's supervision, with real processes killed from outside as a crash would. */
describe('the local stack restarts what dies', () => {
  const dir = tempDir('supervision');
  const events: ServiceEvent[] = [];
  let stack: LocalStack;
  let client: GpulabClient;

  const answers = () => client.listJobs({ pageSize: 1 }).then(
    () => true,
    (e: unknown) => (e instanceof GpulabError ? undefined : Promise.reject(e)),
  );

  const logOf = (name: string) => {
    const path = join(stack.logDir, `${name}.log`);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  };

  before(async () => {
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0, schedulers: 2, env: { GPULAB_LEADER_LEASE: '1s' }, onServiceEvent: (e) => events.push(e) });
    client = stack.client(stack.tokens.tutor);
  });

  after(async () => {
    client?.close();
    await stack?.close();
    dir.remove();
  });

  it('starts a standby scheduler behind the leader', async () => {
    assert.equal(stack.schedulers, 2);
    await eventually('the standby to wait', () => /standby: another scheduler leads/.test(logOf('scheduler-standby')));
  });

  it('a gateway that crashes is started again, said in the stack log', async () => {
    const pid = stack.servicePid('gateway');
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await eventually('the gateway to run again', () => events.some((e) => e.type === 'restarted' && e.instance === 'gateway'));
    assert.deepEqual(events[0], { type: 'died', instance: 'gateway', code: null, signal: 'SIGKILL', restartInMs: 500, crashesInARow: 1 });
    await eventually('the gateway to answer', answers);
    assert.match(logOf('stack'), /the gateway was killed \(SIGKILL\) unexpectedly; restarting it in 0\.5 s/);
  });

  it('when the leader crashes one scheduler leads again, and the other waits as standby', async () => {
    const leader = stack.servicePid('scheduler');
    assert.ok(leader);
    process.kill(leader, 'SIGKILL');
    await eventually('the scheduler to be restarted', () => events.some((e) => e.type === 'restarted' && e.instance === 'scheduler'));
    await eventually('a scheduler to answer', answers, 20_000);
    // Whichever takes the expired lease first leads: the standby, or the crashed one started again.
    const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
    const standbyLeads = () => count(logOf('scheduler-standby'), /leader lease acquired/g) >= 1;
    const restartedLeads = () => count(logOf('scheduler'), /leader lease acquired/g) >= 2;
    await eventually('one of the two to lead', () => standbyLeads() || restartedLeads());
    assert.ok(!(standbyLeads() && restartedLeads()), 'both schedulers lead');
    if (standbyLeads()) await eventually('the restarted one to wait as standby', () => count(logOf('scheduler'), /standby: another scheduler leads/g) >= 1);
  });

  it('a service the stack stops on purpose stays stopped until started again', async () => {
    const before = events.length;
    await stack.killService('gateway');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(stack.servicePid('gateway'), undefined);
    assert.equal(events.length, before, 'no restart');
    stack.startService('gateway');
    await eventually('the gateway to answer', answers);
  });
});
