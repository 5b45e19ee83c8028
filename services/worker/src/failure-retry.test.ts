import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConvergenceError, InvalidImageError, InvalidInputError, InvalidParameterError } from '@gpulab/compute';
import { findJobKind, TransientJobError } from '@gpulab/jobs';
import { BackendUnavailableError } from '@gpulab/neural';
import { WorkerDataError } from '@gpulab/platform';
import { InvalidTransitionError } from '@gpulab/scheduling';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, errors, RequestError, TimeoutError } from '@nats-io/transport-node';
import { isRetryable } from './failure-retry';

describe('whether a failure may be retried', () => {
  describe('terminal: the same attempt would fail the same way', () => {
    it('bad input, whatever its format', () => {
      assert.equal(isRetryable(new InvalidInputError('CSV_NOT_NUMERIC', 'row 3 is not a number', { row: 3 })), false);
      assert.equal(isRetryable(new InvalidImageError('IMAGE_FORMAT', 'not a PNG or JPEG')), false);
    });

    it('invalid parameters and an unknown job kind or layer', () => {
      assert.equal(isRetryable(new InvalidParameterError('components', 'components must be 1 or more')), false);
      assert.throws(() => findJobKind('mystery'), (e: unknown) => isRetryable(e) === false);
      assert.equal(isRetryable(new InvalidParameterError('layers', 'there is no layer "dense2"')), false);
    });

    it('a backend this machine lacks, and a computation that did not converge', () => {
      assert.equal(isRetryable(new BackendUnavailableError('tensorflow-gpu', ['cpu'], 'no CUDA here')), false);
      assert.equal(isRetryable(new ConvergenceError(3, 30)), false);
    });

    it('a bug: a TypeError, an invalid transition, a thrown string', () => {
      assert.equal(isRetryable(new TypeError("Cannot read properties of undefined (reading 'rows')")), false);
      assert.equal(isRetryable(new InvalidTransitionError('j-1', 'SUCCEEDED', 'RUNNING')), false);
      assert.equal(isRetryable('something broke'), false);
      assert.equal(isRetryable(undefined), false);
    });

    it('out of memory', () => {
      assert.equal(isRetryable(new RangeError('WebAssembly.Memory(): could not allocate memory')), false);
      assert.equal(isRetryable(new Error('Failed to allocate memory for a tensor of shape [60000,784]')), false);
    });

    it("the scheduler's refusals of a data request", () => {
      for (const code of ['not-current', 'not-found', 'denied', 'invalid'] as const) assert.equal(isRetryable(new WorkerDataError(code, code)), false, code);
    });
  });

  describe('transient: another attempt may succeed', () => {
    it("the scheduler's data server not answering, or its store failing", () => {
      assert.equal(isRetryable(new WorkerDataError('unavailable', 'the scheduler did not answer the job\'s data request')), true);
    });

    it('a lost, closed or draining NATS connection, and a request timeout', () => {
      assert.equal(isRetryable(new ConnectionError('connection refused')), true);
      assert.equal(isRetryable(new ClosedConnectionError()), true);
      assert.equal(isRetryable(new DrainingConnectionError()), true);
      assert.equal(isRetryable(new TimeoutError()), true);
      assert.equal(isRetryable(new RequestError('request failed')), true);
      assert.equal(isRetryable(new errors.NoRespondersError('$O.results')), true);
    });

    it('an Object Store or KV with no JetStream leader (503), and a reset socket', () => {
      assert.equal(isRetryable(Object.assign(new Error('no responders'), { code: 503 })), true);
      assert.equal(isRetryable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), true);
    });

    it('an outage found anywhere in the cause chain', () => {
      assert.equal(isRetryable(new Error('storing the result failed', { cause: new TimeoutError() })), true);
      assert.equal(isRetryable(new Error('a', { cause: new Error('b', { cause: new TypeError('c') }) })), false);
    });

    it("a job kind's own transient failure", () => {
      assert.equal(isRetryable(new TransientJobError('the dataset mirror is down')), true);
    });
  });

  it("lets the error's own flag decide over its cause", () => {
    const wrapped = new InvalidInputError('MODEL_FORMAT', 'the model file is damaged', { cause: new TimeoutError() });
    assert.equal(isRetryable(wrapped), false);
  });
});
