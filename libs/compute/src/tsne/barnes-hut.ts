import { boundingBox } from '../bounding-box';
import { type Repulsion } from './forces';

/** Cells smaller than this hold coincident points together instead of splitting forever. */
const MIN_HALF_WIDTH = 1e-9;

/**
 * Barnes-Hut repulsion (van der Maaten 2014) over a quadtree: a cell whose width over its
 * distance to the point is below θ acts as one body at its centre of mass. θ = 0 is exact.
 * The tree lives in flat typed arrays, rebuilt each iteration, so traversal stays in cache.
 */
export class BarnesHutRepulsion implements Repulsion {
  readonly method = 'barnes-hut';
  private capacity = 0;
  private centerX = new Float64Array(0);
  private centerY = new Float64Array(0);
  private half = new Float64Array(0);
  private massX = new Float64Array(0);
  private massY = new Float64Array(0);
  private count = new Float64Array(0);
  /** Index of the first of four children, or -1 for a leaf. */
  private firstChild = new Int32Array(0);
  /** A leaf's point, or -1 when empty. */
  private point = new Int32Array(0);
  private nodes = 0;
  private stack = new Int32Array(0);

  constructor(private readonly theta: number) {}

  compute(y: Float64Array, n: number, out: Float64Array): number {
    this.build(y, n);
    const theta2 = this.theta * this.theta;
    const { massX, massY, count, firstChild, point, half } = this;
    const stack = this.stack;
    let z = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = y[2 * i];
      const yi1 = y[2 * i + 1];
      let f0 = 0;
      let f1 = 0;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const node = stack[--top];
        const mass = count[node];
        if (mass === 0) continue;
        const child = firstChild[node];
        const d0 = yi0 - massX[node] / mass;
        const d1 = yi1 - massY[node] / mass;
        const dist2 = d0 * d0 + d1 * d1;
        const width = 2 * half[node];
        if (child < 0 || width * width < theta2 * dist2) {
          // A leaf holding i itself contributes its other (coincident) points at distance 0.
          const others = child < 0 && point[node] === i ? mass - 1 : mass;
          if (others === 0) continue;
          const w = 1 / (1 + dist2);
          z += others * w;
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
    return z;
  }

  private build(y: Float64Array, n: number): void {
    this.reserve(4 * n + 64);
    const { minX, minY, maxX, maxY } = boundingBox(y, n);
    this.nodes = 0;
    const h = Math.max(maxX - minX, maxY - minY) / 2 + 1e-6;
    this.newNode((minX + maxX) / 2, (minY + maxY) / 2, h);
    for (let i = 0; i < n; i++) this.insert(i, y[2 * i], y[2 * i + 1]);
  }

  private insert(i: number, px: number, py: number): void {
    let node = 0;
    for (;;) {
      this.count[node] += 1;
      this.massX[node] += px;
      this.massY[node] += py;
      if (this.firstChild[node] >= 0) {
        node = this.firstChild[node] + this.quadrant(node, px, py);
        continue;
      }
      if (this.point[node] < 0 && this.count[node] === 1) {
        this.point[node] = i;
        return;
      }
      if (this.half[node] < MIN_HALF_WIDTH) return; // coincident points share the leaf
      // Split: move the resident point down one level, then keep descending with i.
      const resident = this.point[node];
      this.point[node] = -1;
      const h = this.half[node] / 2;
      const cx = this.centerX[node];
      const cy = this.centerY[node];
      const first = this.nodes;
      this.newNode(cx - h, cy - h, h);
      this.newNode(cx + h, cy - h, h);
      this.newNode(cx - h, cy + h, h);
      this.newNode(cx + h, cy + h, h);
      this.firstChild[node] = first;
      const residentMass = this.count[node] - 1;
      const rx = (this.massX[node] - px) / residentMass;
      const ry = (this.massY[node] - py) / residentMass;
      const target = first + this.quadrant(node, rx, ry);
      this.count[target] = residentMass;
      this.massX[target] = rx * residentMass;
      this.massY[target] = ry * residentMass;
      this.point[target] = resident;
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
    this.point[k] = -1;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.capacity) return;
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (size: number) => T): T => {
      const b = make(capacity);
      b.set(a.subarray(0, this.nodes));
      return b;
    };
    const f = (s: number) => new Float64Array(s);
    const g = (s: number) => new Int32Array(s);
    this.centerX = grow(this.centerX, f);
    this.centerY = grow(this.centerY, f);
    this.half = grow(this.half, f);
    this.massX = grow(this.massX, f);
    this.massY = grow(this.massY, f);
    this.count = grow(this.count, f);
    this.firstChild = grow(this.firstChild, g);
    this.point = grow(this.point, g);
    this.stack = new Int32Array(1024);
    this.capacity = capacity;
  }
}
