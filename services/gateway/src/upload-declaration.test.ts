import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type DataFormatName } from '@gpulab/contracts';
import { sha256 } from './testing/artifact-fixture';
import { declareUpload } from './upload-declaration';

describe('what a CreateUpload may declare', () => {
  it('refuses at creation a model without weights, weights without a model, and labels for a picture', () => {
    const file = (filename: string, format: DataFormatName) => ({ filename, format, sizeBytes: 10, sha256: sha256('x') });
    assert.throws(() => declareUpload({ data: file('model.json', 'tfjs-model'), labels: undefined, labelColumn: '' }), /needs its weights file too/);
    assert.throws(() => declareUpload({ data: file('w.bin', 'tfjs-weights'), labels: undefined, labelColumn: '' }), /upload the model's model\.json/);
    assert.throws(() => declareUpload({ data: file('a.npy', 'npy'), labels: undefined, weights: file('w.bin', 'tfjs-weights'), labelColumn: '' }), /only a model/);
    assert.throws(() => declareUpload({ data: file('a.png', 'png'), labels: file('l.csv', 'csv'), labelColumn: '' }), /a picture takes no labels file/);
  });
});
