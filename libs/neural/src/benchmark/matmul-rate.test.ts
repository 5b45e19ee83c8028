import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../backend';
import { measureMatMulRate } from './matmul-rate';

describe("a backend's matMul rate", () => {
  it('on wasm is measured on a 1024 x 1024 product, its smaller ones too quick to time', async () => {
    await initBackend('wasm');
    const rate = measureMatMulRate();
    assert.equal(rate.side, 1024);
    assert.ok(rate.gflopsPerSecond > 1, `${rate.gflopsPerSecond} GFLOP/s`);
  });
});
