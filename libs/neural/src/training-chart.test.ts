import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { confusionChartPng, confusionChartSvg, confusionMatrix } from './confusion-chart';
import { trainingChartPng, trainingChartSvg } from './training-chart';
import { type EpochStats } from './trainer';

function history(epochs: number, validation = true): EpochStats[] {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    loss: 1 / (i + 1),
    accuracy: 0.8 + 0.05 * i,
    ...(validation ? { valLoss: 1.1 / (i + 1), valAccuracy: 0.78 + 0.05 * i } : {}),
    seconds: 10,
    imagesPerSecond: 800,
  }));
}

describe('the training curves', () => {
  it('draw loss and accuracy, training and validation, as a 1200 x 500 PNG', () => {
    const svg = trainingChartSvg(history(3), { title: 'MNIST' });
    assert.match(svg, />loss \(cross-entropy\)</);
    assert.match(svg, />accuracy</);
    assert.equal((svg.match(/<circle /g) ?? []).length, 12, 'a dot per epoch, figure and series');
    const png = PNG.sync.read(Buffer.from(trainingChartPng(history(3))));
    assert.deepEqual([png.width, png.height], [1200, 500]);
  });

  it('draw a single epoch, and no validation line without validation figures', () => {
    const svg = trainingChartSvg(history(1, false));
    assert.equal((svg.match(/<circle /g) ?? []).length, 2);
    assert.doesNotMatch(svg, /stroke-dasharray="10 6"\/>\n<circle/);
  });
});

describe('the confusion matrix', () => {
  it('counts true class by predicted class', () => {
    assert.deepEqual(confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3), [
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });

  it('renders a heat map with the class names and the counts', () => {
    const names = ['T-shirt/top', 'Trouser', '<bag>'];
    const svg = confusionChartSvg([[5, 1, 0], [0, 6, 0], [2, 0, 4]], names, 'Test accuracy 83%');
    assert.match(svg, />&lt;bag&gt;</);
    assert.match(svg, />6</);
    const png = PNG.sync.read(Buffer.from(confusionChartPng([[5, 1, 0], [0, 6, 0], [2, 0, 4]], names)));
    assert.ok(png.width > 200 && png.height > 200);
  });
});
