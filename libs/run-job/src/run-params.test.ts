import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRunParams, runParamsRecord } from './run-params';

const ART = 'art-abcdefghijklmnop';

describe('run parameters', () => {
  it('split a command line as a shell would, quotes kept together', () => {
    assert.deepEqual(compileRunParams({ command: `python3 train.py --name "my run" 'a b'` }).argv, ['python3', 'train.py', '--name', 'my run', 'a b']);
  });

  it('take a command as a list of words from the SDK as it is', () => {
    assert.deepEqual(compileRunParams({ command: ['sh', '-c', 'echo $HOME | wc'] }).argv, ['sh', '-c', 'echo $HOME | wc']);
  });

  it('keep sh -c with a quoted script as one argument', () => {
    assert.deepEqual(compileRunParams({ command: `sh -c 'echo hi | wc -l'` }).argv, ['sh', '-c', 'echo hi | wc -l']);
  });

  it('refuse an empty command with INVALID_PARAMETER naming command', () => {
    for (const command of [undefined, '', '   ', []]) {
      assert.throws(() => compileRunParams({ command }), (e: { parameter?: string }) => e.parameter === 'command');
    }
  });

  it('refuse pipes and variables outside sh -c, saying to write sh -c', () => {
    assert.throws(() => compileRunParams({ command: 'echo hi | wc' }), /needs a shell; write it as sh -c/);
    assert.throws(() => compileRunParams({ command: 'echo $HOME' }), /needs a shell/);
  });

  it('refuse env entries that set GPULAB_* or CUDA_VISIBLE_DEVICES', () => {
    assert.throws(() => compileRunParams({ command: 'true', env: 'GPULAB_TEAM=other' }), /GPULAB_TEAM is set by gpulab/);
    assert.throws(() => compileRunParams({ command: 'true', env: ['A=1', 'CUDA_VISIBLE_DEVICES=0,1'] }), /CUDA_VISIBLE_DEVICES is set by gpulab/);
  });

  it('read env and inputs from comma-separated text or lists', () => {
    const p = compileRunParams({ command: 'true', env: 'A=1,B=x=y', inputs: [`train=${ART}`] });
    assert.deepEqual(p.env, { A: '1', B: 'x=y' });
    assert.deepEqual(p.inputs, { train: ART });
  });

  it('refuse an input that is not NAME=art-…', () => {
    assert.throws(() => compileRunParams({ command: 'true', inputs: 'train=job-1' }), /is not NAME=art-/);
    assert.throws(() => compileRunParams({ command: 'true', inputs: `../x=${ART}` }), /is not NAME=art-/);
  });

  it('read a timeout in minutes, hours or bare seconds', () => {
    assert.equal(compileRunParams({ command: 'true', timeout: '90m' }).timeoutMs, 90 * 60_000);
    assert.equal(compileRunParams({ command: 'true', timeout: '6h' }).timeoutMs, 6 * 3600_000);
    assert.equal(compileRunParams({ command: 'true', timeout: 30 }).timeoutMs, 30_000);
    assert.throws(() => compileRunParams({ command: 'true', timeout: 'soon' }), /timeout must be a duration/);
  });

  it('compile their record back to the same parameters', () => {
    const p = compileRunParams({ command: `python3 "a b.py"`, env: 'A=1', inputs: `d=${ART}`, timeout: '2m', code: ART });
    assert.deepEqual(compileRunParams(runParamsRecord(p)), p);
  });

  it('keep a team image as given and record it for the launcher', () => {
    const p = compileRunParams({ command: 'python3 train.py', image: ' registry.course.org:5000/team-a/train:v3 ' });
    assert.equal(p.image, 'registry.course.org:5000/team-a/train:v3');
    assert.equal(runParamsRecord(p).image, 'registry.course.org:5000/team-a/train:v3');
  });

  it('refuse an image that is not a reference with INVALID_PARAMETER naming image and the wrong part', () => {
    assert.throws(() => compileRunParams({ command: 'true', image: 'Team/Train:v1' }), (e: { parameter?: string; message: string }) => e.parameter === 'image' && /"Team" in the image path/.test(e.message));
    assert.throws(() => compileRunParams({ command: 'true', image: 42 }), (e: { parameter?: string }) => e.parameter === 'image');
  });
});
