import { type Repulsion } from './forces';
import { BarnesHutTree, type BarnesHutTreeBuffers, CENTER_X, CENTER_Y, COUNT, FAR, LEAF_POINTS, NODE_STRIDE } from './barnes-hut-tree';
import { blockCount, SUM_BLOCK_ROWS, sumBlocks } from './sum-blocks';
import { reserveRegions, wasmKernels } from '../wasm/wasm-kernels';

export { BarnesHutTree, type BarnesHutTreeBuffers } from './barnes-hut-tree';

/** The `barnes-hut` module (assembly/barnes-hut.ts). */
interface LeafWalkKernels {
  walkLeaves(records: number, links: number, positions: number, leaves: number, from: number, to: number, leafPoints: number, points: number, bodies: number, stack: number, fx: number, fy: number, zs: number): void;
}

/**
 * The walk's stack, in int32: depth first, each level adds at most three entries, and the depth
 * is the number of halvings from the box down to MIN_HALF_WIDTH (about 40 for a box 1,000 units
 * wide).
 */
const STACK = 1024;

interface KernelCopy {
  /** Runs the kernel for leaves from..to (indices into the tree's `leaves`). */
  walkLeaves(from: number, to: number): void;
  /** The kernel's output by entry: forces, and Σ_j w_ij less the point itself. */
  fx: Float64Array;
  fy: Float64Array;
  zs: Float64Array;
}

/**
 * The tree copied into this thread's kernel memory (tens of kilobytes for thousands of points),
 * with room for the kernel's output and scratch (its lists and stack).
 */
function kernelCopy(tree: BarnesHutTreeBuffers, n: number): KernelCopy {
  const wasm = wasmKernels<LeafWalkKernels>('barnes-hut');
  const { nodes, leafCount } = tree;
  // In float64 slots; int32 arrays take half a slot each.
  const sizes = { records: 4 * nodes, links: nodes, leaves: Math.ceil(leafCount / 2), positions: 2 * n, fx: n, fy: n, zs: n, points: 2 * n, bodies: 3 * nodes, stack: STACK / 2 };
  const keys = Object.keys(sizes) as (keyof typeof sizes)[];
  const at = reserveRegions(wasm, keys.map((key) => 8 * sizes[key]));
  const buffer = wasm.memory.buffer;
  const addresses = Object.fromEntries(keys.map((key, i) => [key, at[i]])) as Record<keyof typeof sizes, number>;
  const address = (key: keyof typeof sizes) => addresses[key];
  new Float64Array(buffer, address('records'), sizes.records).set(new Float64Array(tree.records, 0, sizes.records));
  new Int32Array(buffer, address('links'), 2 * nodes).set(new Int32Array(tree.links, 0, 2 * nodes));
  new Int32Array(buffer, address('leaves'), leafCount).set(new Int32Array(tree.leaves, 0, leafCount));
  new Float64Array(buffer, address('positions'), 2 * n).set(new Float64Array(tree.positions, 0, 2 * n));
  return {
    walkLeaves: (from, to) =>
      wasm.exports.walkLeaves(address('records'), address('links'), address('positions'), address('leaves'), from, to, LEAF_POINTS, address('points'), address('bodies'), address('stack'), address('fx'), address('fy'), address('zs')),
    fx: new Float64Array(buffer, address('fx'), n),
    fy: new Float64Array(buffer, address('fy'), n),
    zs: new Float64Array(buffer, address('zs'), n),
  };
}

/**
 * The walk for the leaves whose first entry lies in blocks `fromBlock..toBlock` of the tree's
 * entries (see sum-blocks.ts): each of their points' Σ_j w_ij² (y_i − y_j) into `out`, and the
 * block's share of Z into `z[block]`.
 *
 * The tree is walked once per leaf rather than once per point: a cell acts as one body at its
 * centre of mass for the whole leaf when its width over its distance to the nearest point of
 * the leaf's bounding box is below θ, which holds for each point of the leaf too (so the
 * approximation is at least as fine as the per-point walk's); nearer cells are opened, down to
 * leaves whose points are taken one by one. Each point of the leaf then sums the resulting
 * lists in a tight loop (assembly/barnes-hut.ts). Each point and each block is written by one
 * thread, and sums go in entry order, so the result does not depend on how the blocks are
 * split among threads.
 */
export function walkBarnesHut(tree: BarnesHutTreeBuffers, _y: Float64Array, n: number, out: Float64Array, z: Float64Array, fromBlock: number, toBlock: number): void {
  const records = new Float64Array(tree.records);
  const links = new Int32Array(tree.links);
  const order = new Int32Array(tree.order);
  const positions = new Float64Array(tree.positions);
  const leaves = new Int32Array(tree.leaves);
  for (let block = fromBlock; block < toBlock; block++) z[block] = 0;
  const fromLeaf = firstLeafFrom(leaves, tree.leafCount, links, fromBlock * SUM_BLOCK_ROWS);
  const toLeaf = firstLeafFrom(leaves, tree.leafCount, links, Math.min(n, toBlock * SUM_BLOCK_ROWS));
  if (fromLeaf === toLeaf) return;
  const kernel = kernelCopy(tree, n);
  kernel.walkLeaves(fromLeaf, toLeaf);
  const { fx, fy, zs } = kernel;
  for (let l = fromLeaf; l < toLeaf; l++) {
    const leaf = leaves[l];
    const first = links[2 * leaf + 1];
    const count = records[NODE_STRIDE * leaf + COUNT];
    let share = 0;
    if (count <= LEAF_POINTS) {
      for (let e = first; e < first + count; e++) {
        const i = order[e];
        out[2 * i] = fx[e];
        out[2 * i + 1] = fy[e];
        share += zs[e];
      }
    } else {
      share = walkPile(records, links, positions, order, first, count, out);
    }
    z[Math.floor(first / SUM_BLOCK_ROWS)] += share;
  }
}

/** The first leaf whose first entry is `entry` or later. */
function firstLeafFrom(leaves: Int32Array, leafCount: number, links: Int32Array, entry: number): number {
  let lo = 0;
  let hi = leafCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (links[2 * leaves[mid] + 1] < entry) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const pileStack = new Int32Array(STACK);

/**
 * A pile of more than LEAF_POINTS coincident points: each walks the tree on its own, with the
 * point-wise criterion, and meets its own pile as one body less itself.
 */
function walkPile(records: Float64Array, links: Int32Array, positions: Float64Array, order: Int32Array, first: number, count: number, out: Float64Array): number {
  const stack = pileStack;
  let share = 0;
  for (let e = first; e < first + count; e++) {
    const yi0 = positions[2 * e];
    const yi1 = positions[2 * e + 1];
    let f0 = 0;
    let f1 = 0;
    let zi = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const r = NODE_STRIDE * node;
      const mass = records[r + COUNT];
      if (mass === 0) continue;
      const d0 = yi0 - records[r + CENTER_X];
      const d1 = yi1 - records[r + CENTER_Y];
      const dist2 = d0 * d0 + d1 * d1;
      const child = links[2 * node];
      const nodeFirst = links[2 * node + 1];
      const holdsPoint = nodeFirst <= e && e < nodeFirst + mass;
      if (!holdsPoint && records[r + FAR] < dist2) {
        const w = 1 / (1 + dist2);
        zi += mass * w;
        const w2 = mass * w * w;
        f0 += w2 * d0;
        f1 += w2 * d1;
      } else if (child < 0 && mass <= LEAF_POINTS) {
        for (let q = nodeFirst; q < nodeFirst + mass; q++) {
          const e0 = yi0 - positions[2 * q];
          const e1 = yi1 - positions[2 * q + 1];
          const w = 1 / (1 + e0 * e0 + e1 * e1);
          zi += w;
          const w2 = w * w;
          f0 += w2 * e0;
          f1 += w2 * e1;
        }
      } else if (child < 0) {
        const others = holdsPoint ? mass - 1 : mass;
        const w = 1 / (1 + dist2);
        zi += others * w;
        const w2 = others * w * w;
        f0 += w2 * d0;
        f1 += w2 * d1;
      } else {
        stack[top++] = child;
        stack[top++] = child + 1;
        stack[top++] = child + 2;
        stack[top++] = child + 3;
      }
    }
    const i = order[e];
    out[2 * i] = f0;
    out[2 * i + 1] = f1;
    share += zi;
  }
  return share;
}

/**
 * Barnes-Hut repulsion (van der Maaten 2014) on this thread: the quadtree of barnes-hut-tree.ts,
 * walked leaf by leaf as above. θ = 0 is exact. The optimizer walks the same tree on a RowPool instead.
 */
export class BarnesHutRepulsion implements Repulsion {
  readonly method = 'barnes-hut';
  private readonly tree = new BarnesHutTree();
  private z = new Float64Array(0);

  constructor(private readonly theta: number) {}

  compute(y: Float64Array, n: number, out: Float64Array): number {
    const blocks = blockCount(n);
    if (this.z.length < blocks) this.z = new Float64Array(blocks);
    walkBarnesHut(this.tree.build(y, n, this.theta), y, n, out, this.z, 0, blocks);
    return sumBlocks(this.z, blocks);
  }
}
