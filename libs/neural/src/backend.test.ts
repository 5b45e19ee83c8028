import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { activeBackend, initBackend, installedBackends } from './backend';
import { BackendUnavailableError } from './errors';
import { tfjs } from './tfjs';

describe('choosing the TensorFlow.js backend', () => {
  it('lists wasm and cpu as installed, best first, and never fails for the node backends being absent', () => {
    const installed = installedBackends();
    assert.deepEqual(installed.slice(-2), ['wasm', 'cpu']);
  });

  it('picks the best installed backend when none is asked for', async () => {
    const info = await initBackend();
    assert.equal(info.name, installedBackends()[0]);
    assert.equal(activeBackend(), info);
  });

  it('runs on cpu when cpu is forced, and reports the tfjs version', async () => {
    const info = await initBackend('cpu');
    assert.deepEqual(info, { name: 'cpu', version: tfjs().version.tfjs });
    assert.equal(tfjs().getBackend(), 'cpu');
  });

  it('runs on wasm when wasm is forced, finding its .wasm files by itself, and says whether SIMD runs', async () => {
    const info = await initBackend('wasm');
    assert.equal(info.name, 'wasm');
    assert.equal(tfjs().getBackend(), 'wasm');
    assert.equal(typeof info.simd, 'boolean');
    assert.ok(info.threads !== undefined && info.threads >= 1);
    assert.deepEqual(Array.from(tfjs().tensor([1, 2, 3]).square().dataSync()), [1, 4, 9]);
  });

  it('refuses a forced backend that is not installed, naming the installed ones', { skip: installedBackends().includes('tensorflow-gpu') }, async () => {
    await assert.rejects(
      initBackend('tensorflow-gpu'),
      (e: unknown) =>
        e instanceof BackendUnavailableError &&
        e.code === 'BACKEND_UNAVAILABLE' &&
        !e.retryable &&
        /tensorflow-gpu backend is not installed.*@tensorflow\/tfjs-node-gpu.*installed: .*wasm, cpu/.test(e.message),
    );
  });

  it('refuses a backend name it does not know, listing the names it does', async () => {
    await assert.rejects(initBackend('webgpu'), (e: unknown) => e instanceof BackendUnavailableError && /no TensorFlow.js backend "webgpu".*tensorflow-gpu, tensorflow, wasm, cpu or auto/.test(e.message));
  });
});
