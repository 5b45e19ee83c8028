import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { renderPng } from './render-png';
import { SCATTER_PALETTE, scatterPng, scatterSvg, type ScatterPoints } from './scatter-chart';

/** `n` points in `classes` blobs around a circle, as an embedding of a labelled data set looks. */
function blobs(n: number, classes: number, seed: number): ScatterPoints {
  // Spread by fixed irrational steps rather than random numbers: the same picture every run.
  const next = (i: number, axis: number) => (((i + seed) * (axis === 0 ? 0.7548776662 : 0.5698402910)) % 1) - 0.5;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const angle = (2 * Math.PI * c) / classes;
    x[i] = 10 * Math.cos(angle) + 3 * next(i, 0);
    y[i] = 10 * Math.sin(angle) + 3 * next(i, 1);
    codes[i] = c;
  }
  return { x, y, labels: { codes, names: Array.from({ length: classes }, (_, c) => `class ${c}`) } };
}

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function pixelColors(png: PNG): Set<string> {
  const colors = new Set<string>();
  for (let i = 0; i < png.data.length; i += 4) {
    colors.add(`#${[png.data[i], png.data[i + 1], png.data[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`);
  }
  return colors;
}

describe('the scatter plot', () => {
  it('renders a PNG of the default 1200 x 900 with every class in the legend in its colour', () => {
    const points = blobs(2000, 10, 1);
    points.labels = { codes: points.labels!.codes, names: FASHION };
    const chart = scatterSvg({ points, title: 'Fashion-MNIST, PCA', xLabel: 'PC 1', yLabel: 'PC 2' });
    const png = PNG.sync.read(Buffer.from(scatterPng({ points, title: 'Fashion-MNIST, PCA', xLabel: 'PC 1', yLabel: 'PC 2' })));
    assert.deepEqual([chart.width, chart.height, png.width, png.height], [1200, 900, 1200, 900]);
    for (const name of FASHION) assert.ok(chart.svg.includes(`>${name}</text>`), `the legend names ${name}`);
    assert.deepEqual(chart.colors, SCATTER_PALETTE.slice(0, 10));
    const colors = pixelColors(png);
    for (const color of chart.colors) assert.ok(colors.has(color), `a swatch of ${color} is in the picture`);
  });

  it('escapes class names and titles that are not plain text', () => {
    const points: ScatterPoints = { x: [0, 1], y: [0, 1], labels: { codes: Int32Array.from([0, 1]), names: ['<cat>', 'dogs & co'] } };
    const { svg } = scatterSvg({ points, title: 'a "quoted" <title>' });
    assert.ok(svg.includes('&lt;cat&gt;') && svg.includes('dogs &amp; co') && svg.includes('a &quot;quoted&quot; &lt;title&gt;'));
  });

  it('draws unlabelled points in one colour, without a legend, at the size asked for', () => {
    const chart = scatterSvg({ points: { x: [1, 2, 3], y: [3, 1, 2] }, width: 640, height: 480 });
    assert.deepEqual(chart.colors, [SCATTER_PALETTE[0]]);
    assert.ok(!chart.svg.includes('width="16" height="16"'), 'no legend swatch');
    const png = PNG.sync.read(Buffer.from(scatterPng({ points: { x: [1, 2, 3], y: [3, 1, 2] }, width: 640, height: 480 })));
    assert.deepEqual([png.width, png.height], [640, 480]);
  });

  it('gives each of more than 20 classes its own colour', () => {
    const chart = scatterSvg({ points: blobs(300, 30, 2) });
    assert.equal(new Set(chart.colors).size, 30);
    assert.ok(chart.colors.every((c) => /^#[0-9a-f]{6}$/.test(c)));
  });

  it('skips points that are not finite and survives all points being equal', () => {
    const chart = scatterSvg({ points: { x: [NaN, 2, 2, Infinity], y: [1, 5, 5, 1] } });
    assert.equal((chart.svg.match(/h0/g) ?? []).length, 2);
    assert.ok(!/NaN|Infinity/.test(chart.svg));
  });

  it('refuses x and y of different lengths', () => {
    assert.throws(() => scatterSvg({ points: { x: [1, 2], y: [1] } }), RangeError);
  });

  it('renders 10,000 and 70,000 points in one picture each', () => {
    for (const n of [10_000, 70_000]) {
      const points = blobs(n, 10, 3);
      const started = performance.now();
      const chart = scatterSvg({ points, title: `${n} points` });
      const built = performance.now();
      const bytes = renderPng(chart.svg);
      const rendered = performance.now();
      const png = PNG.sync.read(bytes);
      console.log(
        `scatter of ${n} points: SVG of ${(chart.svg.length / 1e6).toFixed(2)} MB built in ${(built - started).toFixed(0)} ms, ` +
          `PNG of ${(bytes.length / 1e3).toFixed(0)} kB rendered in ${(rendered - built).toFixed(0)} ms`,
      );
      assert.deepEqual([png.width, png.height], [1200, 900]);
    }
  });
});
