import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from './errors';
import { paramRows, type ParamTable, rejectUnknownParams } from './param-table';

const TABLE: ParamTable = [
  { name: 'epochs', type: 'integer', default: 3, min: 1, max: 1000, meaning: 'passes' },
  { name: 'rate', type: 'number', default: 0.1, min: Number.MIN_VALUE, meaning: 'step size' },
  { name: 'init', type: 'enum', values: ['pca', 'random'], default: 'pca', meaning: 'start' },
  { name: 'model', type: 'artifact', meaning: 'the model' },
];

describe('a parameter table', () => {
  it('refuses a parameter it does not list, naming the kind and every parameter it does', () => {
    assert.throws(
      () => rejectUnknownParams('demo', { epoch: 2 }, TABLE),
      (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'epoch' && e.message === 'demo has no parameter "epoch"; its parameters are: epochs, rate, init, model',
    );
    assert.doesNotThrow(() => rejectUnknownParams('demo', { epochs: 2, model: 'j-1' }, TABLE));
  });

  it('reads as rows of text: the range or the values as the type, a missing default as required', () => {
    assert.deepEqual(paramRows(TABLE), [
      { name: 'epochs', type: 'integer 1..1000', default: '3', meaning: 'passes' },
      { name: 'rate', type: 'number > 0', default: '0.1', meaning: 'step size' },
      { name: 'init', type: 'pca | random', default: 'pca', meaning: 'start' },
      { name: 'model', type: 'artifact', default: '(required)', meaning: 'the model' },
    ]);
  });
});
