import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RowPool } from '../parallel/row-pool';
import { runRowKernel, sharedFloat64 } from '../parallel/row-kernels';
import { normalSource, seededRandom } from '../random';
import { FftRepulsion } from './fft-interpolation';
import { type BoxLayout, type FftPointsTask, orderByBoxRow, pointForces, selfKernel, spreadCharges, type SpreadPoints, RECORD_LENGTH } from './fft-points';
import { blockCount, sumBlocks } from './sum-blocks';

const PER_BOX = 3;

/**
 * The per-point passes as they were first written, for any number of nodes per box: in index
 * order, weights by the general Lagrange product, the self potential by its double sum.
 */
function referencePasses(y: Float64Array, n: number, layout: BoxLayout, spacing: number, a: Float32Array, b: Float32Array, convolve: () => void, out: Float64Array): number {
  const { boxes, width, origin, centre, stride: m } = layout;
  const pb = PER_BOX;
  const wts = new Float64Array(2 * pb * n);
  const cells = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let dim = 0; dim < 2; dim++) {
      const u = (y[2 * i + dim] - origin) / width;
      const box = Math.min(boxes - 1, Math.max(0, Math.floor(u)));
      const s = (u - box) * pb;
      for (let j = 0; j < pb; j++) {
        let w = 1;
        let d = 1;
        for (let k = 0; k < pb; k++) {
          if (k === j) continue;
          w *= s - k - 0.5;
          d *= j - k;
        }
        wts[2 * pb * i + pb * dim + j] = w / d;
      }
      cells[2 * i + dim] = box * pb;
    }
    const c0 = y[2 * i] - centre;
    const c1 = y[2 * i + 1] - centre;
    for (let p = 0; p < pb; p++) {
      for (let q = 0; q < pb; q++) {
        const w = wts[2 * pb * i + p] * wts[2 * pb * i + pb + q];
        const at = 2 * ((cells[2 * i] + p) * m + cells[2 * i + 1] + q);
        a[at] += w;
        a[at + 1] += w * c0;
        b[at] += w * c1;
        b[at + 1] += w * (c0 * c0 + c1 * c1);
      }
    }
  }
  convolve();
  const span = 2 * pb - 1;
  let z = 0;
  for (let i = 0; i < n; i++) {
    const g = [0, 0, 0, 0];
    for (let p = 0; p < pb; p++) {
      for (let q = 0; q < pb; q++) {
        const w = wts[2 * pb * i + p] * wts[2 * pb * i + pb + q];
        const at = 2 * ((cells[2 * i] + p) * m + cells[2 * i + 1] + q);
        g[0] += w * a[at];
        g[1] += w * a[at + 1];
        g[2] += w * b[at];
        g[3] += w * b[at + 1];
      }
    }
    const u = new Float64Array(span);
    const v = new Float64Array(span);
    for (let p = 0; p < pb; p++) {
      for (let p2 = 0; p2 < pb; p2++) {
        u[p - p2 + pb - 1] += wts[2 * pb * i + p] * wts[2 * pb * i + p2];
        v[p - p2 + pb - 1] += wts[2 * pb * i + pb + p] * wts[2 * pb * i + pb + p2];
      }
    }
    let s = 0;
    for (let du = 0; du < span; du++) {
      let row = 0;
      for (let dv = 0; dv < span; dv++) {
        const w = 1 / (1 + ((du - pb + 1) ** 2 + (dv - pb + 1) ** 2) * spacing * spacing);
        row += v[dv] * (w * w);
      }
      s += u[du] * row;
    }
    const y0 = y[2 * i] - centre;
    const y1 = y[2 * i + 1] - centre;
    const p0 = g[0] - s;
    const p1 = g[1] - s * y0;
    const p2 = g[2] - s * y1;
    const p3 = g[3] - s * (y0 * y0 + y1 * y1);
    z += (1 + y0 * y0 + y1 * y1) * p0 - 2 * (y0 * p1 + y1 * p2) + p3;
    out[2 * i] = y0 * p0 - p1;
    out[2 * i + 1] = y1 * p0 - p2;
  }
  return z;
}

/** Clustered points (uneven box rows, some boxes empty) on a 40 × 40-box layout with room to spare in the grid. */
function scene(n: number): { y: Float64Array<SharedArrayBuffer>; layout: BoxLayout; spacing: number; length: number } {
  const normal = normalSource(seededRandom(23));
  const y = sharedFloat64(2 * n);
  for (let i = 0; i < n; i++) {
    const cluster = i % 5;
    y[2 * i] = 6 * Math.cos(cluster) + 2 * normal();
    y[2 * i + 1] = 6 * Math.sin(cluster) + 2 * normal();
  }
  const boxes = 40;
  const width = 0.5;
  const stride = 2 * boxes * PER_BOX;
  return { y, layout: { boxes, width, origin: -boxes * width * 0.5, centre: 0.25, stride }, spacing: width / PER_BOX, length: 2 * stride * stride };
}

/** A stand-in for the convolution: any values will do to compare the reading back. */
function scramble(a: Float32Array, b: Float32Array): void {
  const random = seededRandom(5);
  for (let k = 0; k < a.length; k++) {
    a[k] += random() - 0.5;
    b[k] -= random() - 0.5;
  }
}

function sharedPoints(n: number): { points: SpreadPoints; buffers: Pick<FftPointsTask, 'rowOf' | 'order' | 'nodes' | 'records'> } {
  const buffers = { rowOf: new SharedArrayBuffer(4 * n), order: new SharedArrayBuffer(4 * n), nodes: new SharedArrayBuffer(4 * n), records: new SharedArrayBuffer(8 * RECORD_LENGTH * n) };
  return { buffers, points: { rowOf: new Int32Array(buffers.rowOf), order: new Int32Array(buffers.order), nodes: new Int32Array(buffers.nodes), records: new Float64Array(buffers.records) } };
}

describe('FFT repulsion point passes', () => {
  const n = 3000;
  const { y, layout, spacing, length } = scene(n);
  const blocks = blockCount(n);

  function reference(): { a: Float32Array; b: Float32Array; out: Float64Array; z: number } {
    const a = new Float32Array(length);
    const b = new Float32Array(length);
    const out = new Float64Array(2 * n);
    const z = referencePasses(y, n, layout, spacing, a, b, () => scramble(a, b), out);
    return { a, b, out, z };
  }

  it('spread the same charges and give the same forces as the general passes in index order', () => {
    const ref = reference();
    const { points } = sharedPoints(n);
    const a = new Float32Array(length);
    const b = new Float32Array(length);
    orderByBoxRow(y, n, layout, points);
    spreadCharges(y, layout, points, a, b, 0, n);
    scramble(a, b);
    assert.deepEqual(a, ref.a);
    assert.deepEqual(b, ref.b);
    const out = new Float64Array(2 * n);
    const z = new Float64Array(blocks);
    pointForces({ n, layout, points, a, b, kernel: selfKernel(spacing), out, z }, 0, blocks);
    assert.deepEqual(out, ref.out);
    // Z is summed by blocks of the visiting order, not point by point.
    assert.ok(Math.abs(sumBlocks(z, blocks) / ref.z - 1) < 1e-12, `Z ${sumBlocks(z, blocks)} vs ${ref.z}`);
  });

  it('give the same grids, forces and Z on one thread and on two', () => {
    const ref = reference();
    const pool = RowPool.open(2);
    assert.ok(pool);
    try {
      const results = [1, 2].map((threads) => {
        const { points, buffers } = sharedPoints(n);
        const a = new Float32Array(new SharedArrayBuffer(4 * length));
        const b = new Float32Array(new SharedArrayBuffer(4 * length));
        const out = sharedFloat64(2 * n);
        const z = sharedFloat64(blocks);
        orderByBoxRow(y, n, layout, points);
        const task: FftPointsTask = { kind: 'fftSpread', n, layout, spacing, y: y.buffer, ...buffers, a: a.buffer, b: b.buffer, out: out.buffer, z: z.buffer };
        const run = (t: FftPointsTask): void => (threads === 1 ? runRowKernel(t, 0, blocks, 0) : pool.run(t, blocks));
        run(task);
        scramble(a, b);
        run({ ...task, kind: 'fftForces' });
        return { a, b, out, z: sumBlocks(z, blocks) };
      });
      assert.deepEqual(results[0].a, ref.a);
      assert.deepEqual(results[1].a, ref.a);
      assert.deepEqual(results[1].b, ref.b);
      assert.deepEqual(results[0].out, ref.out);
      assert.deepEqual(results[1].out, ref.out);
      assert.equal(results[1].z, results[0].z);
    } finally {
      pool.close();
    }
  });
});

describe('FFT repulsion with its point passes on threads', () => {
  it('gives exactly what one thread gives, through grid size changes, for shared and unshared arrays', async () => {
    const normal = normalSource(seededRandom(29));
    // From the size on which the point passes go to a pool.
    const n = 50_000;
    const repulsions = await Promise.all([2, 1].map((threads) => FftRepulsion.create(n, undefined, undefined, threads)));
    const forcesOf = (r: FftRepulsion, y: Float64Array, shared: boolean): { z: number; out: number[] } => {
      const out = shared ? sharedFloat64(2 * n) : new Float64Array(2 * n);
      return { z: r.compute(y, n, out), out: Array.from(out) };
    };
    try {
      for (const [scale, shared] of [[30, true], [8, false], [30, false]] as const) {
        const y = shared ? sharedFloat64(2 * n) : new Float64Array(2 * n);
        for (let k = 0; k < 2 * n; k++) y[k] = normal() * scale;
        const [pooled, single] = repulsions.map((r) => forcesOf(r, y, shared));
        assert.deepEqual(pooled, single, `scale ${scale}, ${shared ? '' : 'un'}shared arrays`);
      }
    } finally {
      for (const r of repulsions) r.dispose();
    }
  });
});
