import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'shell-quote';
import { runParams } from './run-params';
import { UsageError } from './usage-error';

const none = { env: [], input: [] };

describe("the run job's parameters", () => {
  it('quote the words after -- into one command the worker splits back into the same words', () => {
    const argv = ['python', 'train.py', '--name', 'my run', '--lr=1e-3', "it's", '$HOME'];
    const params = runParams(argv, none);
    assert.equal(typeof params.command, 'string');
    assert.deepEqual(parse(params.command as string), argv);
  });

  it('keep the environment, inputs, timeout and code as given', () => {
    const params = runParams(['python', 'train.py'], { env: ['EPOCHS=10', 'URL=a=b'], input: ['train=art-abcdefghijklmnop'], timeout: '6h', code: 'art-qrstuvwxyz234567' });
    assert.deepEqual(params, { command: 'python train.py', env: ['EPOCHS=10', 'URL=a=b'], inputs: ['train=art-abcdefghijklmnop'], timeout: '6h', code: 'art-qrstuvwxyz234567' });
  });

  it('pass a team image on as given, for the gateway to check', () => {
    assert.equal(runParams(['python'], { ...none, image: ' registry.course.org/team-a/train:v3 ' }).image, 'registry.course.org/team-a/train:v3');
    assert.throws(() => runParams(['python'], { ...none, image: ' ' }), (e: unknown) => e instanceof UsageError && /--image needs an image reference/.test(e.message));
  });

  it('refuse an empty command, naming where it goes', () => {
    for (const argv of [[], ['', ' ']]) assert.throws(() => runParams(argv, none), (e: unknown) => e instanceof UsageError && /after --/.test(e.message));
  });

  it('refuse a malformed --env or --input pair, a name given twice and a timeout that is not a span', () => {
    const bad = [
      { env: ['NOEQUALS'], input: [] },
      { env: ['1X=2'], input: [] },
      { env: ['A=1', 'A=2'], input: [] },
      { env: [], input: ['train=data.csv'] },
      { env: [], input: ['../x=art-abcdefghijklmnop'] },
      { env: [], input: [], timeout: 'six hours' },
      { env: [], input: [], timeout: '6' },
    ];
    for (const flags of bad) assert.throws(() => runParams(['python'], flags), UsageError, JSON.stringify(flags));
  });
});
