import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Caller, type pb } from '@gpulab/contracts';
import { addBenchScheduleCommand } from './bench-schedule-request';
import { GatewayError } from './errors';

const tutor: Caller = { role: 'tutor', name: 'ada' };
const request = (overrides: Partial<pb.AddBenchScheduleRequest> = {}): pb.AddBenchScheduleRequest => ({
  cron: '0 3 * * *',
  model: 'course-cnn',
  backends: ['cpu'],
  batchSizes: [1, 32],
  images: 8,
  inputSize: 32,
  ...overrides,
});
const refusedWith = (code: string, message: RegExp) => (error: unknown) => error instanceof GatewayError && error.code === code && message.test(error.message);

describe('a new benchmark schedule as the gateway checks it', () => {
  it("compiles one benchmark job's parameters per batch size, each given once", () => {
    const command = addBenchScheduleCommand(tutor, request({ batchSizes: [1, 32, 1] }));
    assert.deepEqual(command.batchSizes, [1, 32]);
    assert.deepEqual(
      command.jobParams.map((p) => [p.model, p.batchSize, p.images, p.inputSize, p.backends]),
      [
        ['course-cnn', 1, 8, 32, 'cpu'],
        ['course-cnn', 32, 8, 32, 'cpu'],
      ],
    );
  });

  it("takes the kind's defaults for what is left out: one job at its batch size, every installed backend", () => {
    const command = addBenchScheduleCommand(tutor, request({ backends: [], batchSizes: [], images: 0, inputSize: 0 }));
    assert.deepEqual(command.batchSizes, [32]);
    assert.deepEqual(command.backends, []);
    assert.equal(command.jobParams[0].images, 1000);
    assert.equal(command.jobParams[0].backends, undefined);
  });

  it('refuses a member before looking at the request, and a bad model or batch size with INVALID_ARGUMENT', () => {
    assert.throws(() => addBenchScheduleCommand({ role: 'member', team: 'alpha', name: 'al' }, request({ model: 'vgg16' })), refusedWith('PERMISSION_DENIED', /only tutors/));
    assert.throws(() => addBenchScheduleCommand(tutor, request({ model: 'vgg16' })), refusedWith('INVALID_ARGUMENT', /no benchmark model "vgg16"/));
    assert.throws(() => addBenchScheduleCommand(tutor, request({ batchSizes: [512] })), refusedWith('INVALID_ARGUMENT', /batchSize/));
    assert.throws(() => addBenchScheduleCommand(tutor, request({ cron: ' ' })), refusedWith('INVALID_ARGUMENT', /cron is missing/));
  });
});
