import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csv, useArtifactFixture } from './testing/artifact-fixture';

describe('StorageQuota on JetStream KV and the Object Store', () => {
  const kit = useArtifactFixture('storage-quota-test');
  const { library, newUpload } = kit;

  it('lets only one of two uploads through when the team has room for one', async () => {
    const lib = library({ teamStorageBytes: 150 });
    const bytes = csv(10);
    const results = await Promise.allSettled([newUpload(lib, bytes, 'race'), newUpload(lib, bytes, 'race')]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.match((refused.reason as Error).message, /team race has used 0\.00 MB \(0\.00 MB uploads in progress\) of its 0\.00 MB storage, and points\.csv needs/);
  });
});
