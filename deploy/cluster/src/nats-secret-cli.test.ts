import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { NATS_AUTH_KEYS } from './nats-auth-secret';

// What npx runs: the bin shim, which loads the compiled command.
const CLI = join(__dirname, '..', 'bin', 'gpulab-nats-secret.js');

describe('gpulab-nats-secret', () => {
  it('prints a Secret for kubectl apply, named and namespaced as asked, with new identities each run', async () => {
    const run = async () => JSON.parse((await promisify(execFile)(process.execPath, [CLI, '--name', 'course-nats', '--namespace', 'dl-course'])).stdout) as { kind: string; metadata: { name: string; namespace: string }; stringData: Record<string, string> };
    const [first, second] = await Promise.all([run(), run()]);
    assert.equal(first.kind, 'Secret');
    assert.deepEqual([first.metadata.name, first.metadata.namespace], ['course-nats', 'dl-course']);
    assert.deepEqual(Object.keys(first.stringData).sort(), [...NATS_AUTH_KEYS].sort());
    assert.notEqual(first.stringData['auth.conf'], second.stringData['auth.conf']);
  });

  it('refuses an option it does not know, naming it', async () => {
    await assert.rejects(promisify(execFile)(process.execPath, [CLI, '--nmespace', 'x']), (error: { stderr: string }) => /gpulab-nats-secret: .*--nmespace/.test(error.stderr));
  });
});
