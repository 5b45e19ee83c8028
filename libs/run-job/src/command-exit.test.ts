import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exitReason, notStarted, signalName, StderrTail } from './command-exit';

describe("a command's end", () => {
  it('names signals with their number', () => {
    assert.equal(signalName('SIGKILL'), 'SIGKILL (9)');
    assert.equal(signalName(15), 'SIGTERM (15)');
  });

  it('keeps only the last 20 lines of stderr', () => {
    const tail = new StderrTail();
    for (let i = 1; i <= 25; i += 1) tail.add(`line ${i}`);
    assert.equal(tail.text().split('\n').length, 20);
    assert.match(tail.text(), /^line 6\n/);
  });

  it('says the exit code and quotes stderr for a failure; nothing for exit 0', () => {
    assert.equal(exitReason({ kind: 'exited', code: 0 }, 'warn'), undefined);
    assert.equal(exitReason({ kind: 'exited', code: 3 }, 'boom'), 'the command exited with code 3; the last lines of stderr:\nboom');
    assert.equal(exitReason({ kind: 'signal', signal: 'SIGKILL' }, '', 'timeout'), 'the command was killed by SIGKILL (9) (stopped at its timeout)');
  });

  it('says a missing program is "command not found" with exit 127', () => {
    const exit = notStarted('nosuch', Object.assign(new Error('spawn nosuch ENOENT'), { code: 'ENOENT' }));
    assert.deepEqual(exit, { kind: 'not-started', code: 127, message: 'nosuch: command not found' });
  });
});
