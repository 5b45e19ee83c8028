import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ServiceLogs } from './service-logs';

describe('the local stack logs', () => {
  it('rotate by size and keep a bounded number of private files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpulab-logs-'));
    try {
      const logs = new ServiceLogs(dir, '10K', 3);
      const log = logs.stream('gateway');
      assert.equal(logs.stream('gateway'), log, 'a restarted service writes on into the same stream');
      const line = `${'x'.repeat(1023)}\n`;
      for (let i = 0; i < 100; i++) {
        if (!log.write(line)) await once(log, 'drain');
      }
      logs.close();
      await once(log, 'finish');
      const files = readdirSync(dir).sort();
      assert.deepEqual(files, ['gateway.log', 'gateway.log.1', 'gateway.log.2', 'gateway.log.3']);
      for (const f of files) {
        const s = statSync(join(dir, f));
        assert.ok(s.size <= 11 * 1024, `${f} has ${s.size} bytes`);
        assert.equal(s.mode & 0o777, 0o600, f);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
