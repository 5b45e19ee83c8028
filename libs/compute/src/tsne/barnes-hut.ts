import { boundingBox } from '../bounding-box';
import { type Repulsion } from './forces';
import { blockCount, blockRows, sumBlocks } from './sum-blocks';

/** Cells smaller than this hold coincident points together instead of splitting forever. */
const MIN_HALF_WIDTH = 1e-9;

/**
 * A Barnes-Hut quadtree for walking, in shared memory so that RowPool threads can walk it while
 * only this thread builds it. Leaves hold up to {@link LEAF_POINTS} points, whose forces are
 * summed exactly: that saves the descent through the near field's many tiny cells, which cost
 * more per point than the arithmetic they save (measured on late embeddings: the walk ran 1.7×
 * faster on the 1,797 digits and 2.0× on 10,000 Fashion-MNIST images with 16 than with 1;
 * 8 and 32 were slower).
 */
export interface BarnesHutTreeBuffers {
  nodes: number;
  /** Float64 per node: centre of mass x, y; point count; the squared distance beyond which the cell acts as one body (width² / θ²). */
  records: SharedArrayBuffer;
  /** Int32 per node: first child (-1: a leaf); a leaf's first entry in `order`. */
  links: SharedArrayBuffer;
  /** Int32 per point: the points leaf by leaf, each leaf's `count` of them from its first entry. */
  order: SharedArrayBuffer;
  /** Float64 × 2 per entry of `order`: its point's coordinates, so a leaf's points are read in one sweep. */
  positions: SharedArrayBuffer;
}

/** Points a leaf holds before it splits (more only where they coincide, see MIN_HALF_WIDTH). */
export const LEAF_POINTS = 16;
const NODE_STRIDE = 4;
const CENTER_X = 0, CENTER_Y = 1, COUNT = 2, FAR = 3;

/** Builds the quadtree of an embedding, rebuilt each iteration into the same buffers. */
export class BarnesHutTree {
  private capacity = 0;
  private centerX = floats(0);
  private centerY = floats(0);
  private half = floats(0);
  private massX = floats(0);
  private massY = floats(0);
  private count = floats(0);
  private firstChild = ints(0);
  /** A leaf's points as a linked list through `next`, while building. */
  private head = ints(0);
  private next = ints(0);
  private nodes = 0;
  private records = floats(0);
  private links = ints(0);
  private order = ints(0);
  private positions = floats(0);

  build(y: Float64Array, n: number, theta: number): BarnesHutTreeBuffers {
    this.reserve(Math.ceil(n / 2) + 64);
    if (this.next.length < n) {
      this.next = ints(n);
      this.order = ints(n);
      this.positions = floats(2 * n);
    }
    const { minX, minY, maxX, maxY } = boundingBox(y, n);
    this.nodes = 0;
    const h = Math.max(maxX - minX, maxY - minY) / 2 + 1e-6;
    this.newNode((minX + maxX) / 2, (minY + maxY) / 2, h);
    for (let i = 0; i < n; i++) this.insert(i, y);
    // Packed once per build, so each visit of the walk reads one record and a leaf's points
    // lie next to each other.
    if (this.records.length < NODE_STRIDE * this.nodes) {
      this.records = floats(NODE_STRIDE * this.capacity);
      this.links = ints(2 * this.capacity);
    }
    const { massX, massY, count, half, firstChild, head, next, records, links, order, positions } = this;
    const theta2 = theta * theta;
    let entry = 0;
    for (let k = 0; k < this.nodes; k++) {
      const r = NODE_STRIDE * k;
      const c = count[k];
      records[r + CENTER_X] = c > 0 ? massX[k] / c : 0;
      records[r + CENTER_Y] = c > 0 ? massY[k] / c : 0;
      records[r + COUNT] = c;
      const width = 2 * half[k];
      records[r + FAR] = theta2 > 0 ? (width * width) / theta2 : Infinity;
      links[2 * k] = firstChild[k];
      links[2 * k + 1] = entry;
      if (firstChild[k] < 0) {
        for (let j = head[k]; j >= 0; j = next[j]) {
          order[entry] = j;
          positions[2 * entry] = y[2 * j];
          positions[2 * entry + 1] = y[2 * j + 1];
          entry++;
        }
      }
    }
    return { nodes: this.nodes, records: records.buffer, links: links.buffer, order: order.buffer, positions: positions.buffer };
  }

  private insert(i: number, y: Float64Array): void {
    const px = y[2 * i];
    const py = y[2 * i + 1];
    let node = 0;
    for (;;) {
      this.count[node] += 1;
      this.massX[node] += px;
      this.massY[node] += py;
      if (this.firstChild[node] >= 0) {
        node = this.firstChild[node] + this.quadrant(node, px, py);
        continue;
      }
      // Coincident points share a leaf however many they are, rather than splitting forever.
      if (this.count[node] <= LEAF_POINTS || this.half[node] < MIN_HALF_WIDTH) {
        this.next[i] = this.head[node];
        this.head[node] = i;
        return;
      }
      // Split: the leaf's points move down one level, then i goes on descending.
      const h = this.half[node] / 2;
      const cx = this.centerX[node];
      const cy = this.centerY[node];
      const first = this.nodes;
      this.newNode(cx - h, cy - h, h);
      this.newNode(cx + h, cy - h, h);
      this.newNode(cx - h, cy + h, h);
      this.newNode(cx + h, cy + h, h);
      this.firstChild[node] = first;
      for (let j = this.head[node]; j >= 0; ) {
        const after = this.next[j];
        const child = first + this.quadrant(node, y[2 * j], y[2 * j + 1]);
        this.count[child] += 1;
        this.massX[child] += y[2 * j];
        this.massY[child] += y[2 * j + 1];
        this.next[j] = this.head[child];
        this.head[child] = j;
        j = after;
      }
      this.head[node] = -1;
      node = first + this.quadrant(node, px, py);
    }
  }

  private quadrant(node: number, px: number, py: number): number {
    return (px > this.centerX[node] ? 1 : 0) + (py > this.centerY[node] ? 2 : 0);
  }

  private newNode(cx: number, cy: number, h: number): void {
    if (this.nodes + 1 > this.capacity) this.reserve(2 * this.capacity);
    const k = this.nodes++;
    this.centerX[k] = cx;
    this.centerY[k] = cy;
    this.half[k] = h;
    this.massX[k] = 0;
    this.massY[k] = 0;
    this.count[k] = 0;
    this.firstChild[k] = -1;
    this.head[k] = -1;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.capacity) return;
    const grow = <T extends Float64Array<SharedArrayBuffer> | Int32Array<SharedArrayBuffer>>(a: T, make: (length: number) => T): T => {
      const b = make(capacity);
      b.set(a.subarray(0, this.nodes));
      return b;
    };
    this.centerX = grow(this.centerX, floats);
    this.centerY = grow(this.centerY, floats);
    this.half = grow(this.half, floats);
    this.massX = grow(this.massX, floats);
    this.massY = grow(this.massY, floats);
    this.count = grow(this.count, floats);
    this.firstChild = grow(this.firstChild, ints);
    this.head = grow(this.head, ints);
    this.capacity = capacity;
  }
}

function floats(length: number): Float64Array<SharedArrayBuffer> {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

function ints(length: number): Int32Array<SharedArrayBuffer> {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

/**
 * The walk for the points of blocks `fromBlock..toBlock` (see sum-blocks.ts): each point's
 * Σ_j w_ij² (y_i − y_j) into `out`, and each block's share of Z into `z[block]`. A cell whose
 * width over its distance to the point is below θ acts as one body at its centre of mass.
 */
export function walkBarnesHut(tree: BarnesHutTreeBuffers, y: Float64Array, n: number, out: Float64Array, z: Float64Array, fromBlock: number, toBlock: number): void {
  const records = new Float64Array(tree.records);
  const links = new Int32Array(tree.links);
  const order = new Int32Array(tree.order);
  const positions = new Float64Array(tree.positions);
  // Depth-first: each level adds at most three entries, and the depth is the number of
  // halvings from the box down to MIN_HALF_WIDTH (about 40 for a box 1,000 units wide).
  const stack = new Int32Array(1024);
  for (let block = fromBlock; block < toBlock; block++) {
    const [from, to] = blockRows(block, n);
    let zBlock = 0;
    for (let i = from; i < to; i++) {
      const yi0 = y[2 * i];
      const yi1 = y[2 * i + 1];
      let f0 = 0;
      let f1 = 0;
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
        if (records[r + FAR] < dist2) {
          // A far cell as one body. (A cell holding i is never far for θ ≤ 1/√2.)
          const w = 1 / (1 + dist2);
          zBlock += mass * w;
          const w2 = mass * w * w;
          f0 += w2 * d0;
          f1 += w2 * d1;
        } else if (child < 0 && mass <= LEAF_POINTS) {
          // A near leaf: its points one by one, i itself left out.
          const first = links[2 * node + 1];
          for (let e = first; e < first + mass; e++) {
            if (order[e] === i) continue;
            const e0 = yi0 - positions[2 * e];
            const e1 = yi1 - positions[2 * e + 1];
            const w = 1 / (1 + e0 * e0 + e1 * e1);
            zBlock += w;
            const w2 = w * w;
            f0 += w2 * e0;
            f1 += w2 * e1;
          }
        } else if (child < 0) {
          // A pile of coincident points (see MIN_HALF_WIDTH) as one body, less i where it is one of them.
          const others = dist2 < 16 * MIN_HALF_WIDTH * MIN_HALF_WIDTH ? mass - 1 : mass;
          const w = 1 / (1 + dist2);
          zBlock += others * w;
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
      out[2 * i] = f0;
      out[2 * i + 1] = f1;
    }
    z[block] = zBlock;
  }
}

/**
 * Barnes-Hut repulsion (van der Maaten 2014) on this thread: the tree above, walked for every
 * point. θ = 0 is exact. The optimizer walks the same tree on a RowPool instead.
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
