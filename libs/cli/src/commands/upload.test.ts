import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GpulabError } from '@gpulab/sdk';
import { withResumeHint } from './upload';

describe('the hint to resume an upload', () => {
  it('is said once after Ctrl-C, as the whole command line', () => {
    const stopped = new GpulabError('CANCELLED', 1, 'the upload was stopped; what arrived is kept for a while: resume with the upload id up-7');
    const hinted = withResumeHint(stopped, 'big.npy', { labels: 'labels.npy' }, 'up-7') as GpulabError;
    assert.equal(hinted.message, 'the upload was stopped. What arrived is kept for a while; go on with: gpulab upload big.npy --labels labels.npy --resume up-7');
    assert.equal(hinted.message.match(/kept for a while/g)?.length, 1);
  });

  it('is not given for a refusal, which resuming would not change', () => {
    const refused = new GpulabError('INVALID_ARGUMENT', 3, 'not a data file');
    assert.equal(withResumeHint(refused, 'x.bin', {}, 'up-7'), refused);
  });
});
