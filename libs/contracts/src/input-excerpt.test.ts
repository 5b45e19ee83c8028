import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundedMessage, excerpt, MAX_STATUS_MESSAGE_CHARS, quoteInput } from './input-excerpt';

describe('an input quoted in a message', () => {
  it('is quoted whole when short', () => {
    assert.equal(quoteInput('abc'), '"abc"');
    assert.equal(quoteInput('a "b"'), '"a \\"b\\""');
    assert.equal(quoteInput(12), '12');
  });

  it('is cut to 80 characters with its length said when long', () => {
    const shown = quoteInput('x'.repeat(68_211));
    assert.equal(shown, `"${'x'.repeat(80)}…" (68,211 characters)`);
  });

  it('cuts a long non-string value as its JSON text', () => {
    const shown = quoteInput({ a: 'y'.repeat(1000) });
    assert.ok(shown.length < 130, shown);
    assert.match(shown, /^\{"a":"y+… \(1,008 characters\)$/);
  });

  it('never splits a surrogate pair', () => {
    const shown = excerpt('a' + '😀'.repeat(100), 2);
    assert.equal(shown, 'a… (201 characters)');
  });

  it('leaves bare text short as is', () => {
    assert.equal(excerpt('data.csv'), 'data.csv');
    assert.match(excerpt('n'.repeat(30_000_000)), /^n{80}… \(30,000,000 characters\)$/);
  });
});

describe('a message bounded as the last line of defence', () => {
  it('keeps a message of normal size', () => {
    assert.equal(boundedMessage('row 3, column 2 is empty'), 'row 3, column 2 is empty');
  });

  it('cuts a huge one to the limit, saying so', () => {
    const bounded = boundedMessage('z'.repeat(200_000));
    assert.ok(bounded.length <= MAX_STATUS_MESSAGE_CHARS, String(bounded.length));
    assert.match(bounded, /message cut: 200,000 characters\)$/);
  });
});
