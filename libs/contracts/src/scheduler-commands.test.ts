import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_PERMISSIONS, SCHEDULER_PERMISSIONS } from './nats-permissions';
import { SCHEDULER_COMMAND_NAMES, SchedulerCommands, SchedulerSubjects } from './scheduler-commands';
import { SCHEDULER_COMMANDS_WILDCARD } from './subjects';

describe('the table of scheduler commands', () => {
  it('gives every command its own subject under gpulab.scheduler', () => {
    const subjects = SCHEDULER_COMMAND_NAMES.map((name) => SchedulerCommands[name].subject);
    assert.equal(new Set(subjects).size, subjects.length);
    for (const subject of subjects) assert.match(subject, /^gpulab\.scheduler\.[a-z.-]+$/);
  });

  it('keeps the subjects gateways and schedulers of earlier versions use', () => {
    assert.equal(SchedulerSubjects.submit, 'gpulab.scheduler.submit');
    assert.equal(SchedulerSubjects.deleteOutputs, 'gpulab.scheduler.delete-outputs');
    assert.equal(SchedulerSubjects.cancelSlot, 'gpulab.scheduler.slots.cancel');
    assert.equal(SchedulerSubjects.rotateMember, 'gpulab.scheduler.admin.rotate-member');
    assert.deepEqual(Object.keys(SchedulerSubjects), SCHEDULER_COMMAND_NAMES);
  });

  it('lets only the gateway send the commands and only the scheduler receive them', () => {
    assert.equal(SCHEDULER_COMMANDS_WILDCARD, 'gpulab.scheduler.>');
    assert.ok(SCHEDULER_PERMISSIONS.pub.deny?.includes(SCHEDULER_COMMANDS_WILDCARD));
    assert.ok(GATEWAY_PERMISSIONS.sub.deny?.includes(SCHEDULER_COMMANDS_WILDCARD));
  });
});
