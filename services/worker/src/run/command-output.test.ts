import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { type LogLine } from '@gpulab/contracts';
import { type CommandProgress } from '@gpulab/run-job';
import { CommandOutput } from './command-output';

describe("a command's output", () => {
  it('goes to the log line by line, keeps the tail of stderr, and hands ::gpulab:: lines on as progress', async () => {
    const lines: LogLine[] = [];
    const progress: CommandProgress[] = [];
    const output = new CommandOutput((l) => lines.push(l), (p) => progress.push(p), () => 7);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    output.attach(stdout, 'stdout');
    output.attach(stderr, 'stderr');
    stdout.end('epoch 1\n::gpulab::{"progress": 0.5, "metrics": {"loss": 1}}\n');
    stderr.end('warning: slow\nlast');
    await output.finished();
    assert.deepEqual(lines.map((l) => `${l.at} ${l.stream} ${l.text}`).sort(), ['7 stderr last', '7 stderr warning: slow', '7 stdout ::gpulab::{"progress": 0.5, "metrics": {"loss": 1}}', '7 stdout epoch 1']);
    assert.deepEqual(progress, [{ fraction: 0.5, message: '', metrics: { loss: 1 } }]);
    assert.equal(output.stderrTail.text(), 'warning: slow\nlast');
  });
});
