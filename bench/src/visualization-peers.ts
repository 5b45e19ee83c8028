/**
 * The peers of the visualization bench, each run as its own process on the same data:
 * scikit-learn (Debian's python3-sklearn) and the C++ bhtsne of t-SNE's author through R
 * (Debian's r-cran-rtsne). Each prints one JSON line: seconds, KL, CPU use, peak memory, and
 * scikit-learn its 10-NN accuracy; Rtsne writes its embedding to a file, whose accuracy the
 * bench computes with the same function as ours.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const RSCRIPT = '/usr/bin/Rscript';
export const SKLEARN_DIGITS = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
const FASHION = '/usr/share/datasets/fashion-mnist/';

/** What one run measured; `cpuUse` is user + system time over wall time (2.0: both cores busy throughout). */
export interface Measured {
  seconds: number;
  kl?: number;
  accuracy?: number;
  peakMb: number;
  cpuUse?: number;
  method?: string;
  /** Phase times of our runs, in ms. */
  timingsMs?: Record<string, number>;
}

/** Rows of Fashion-MNIST a case takes (all 70,000 for the full ones). */
export function fashionRows(id: string): number {
  return { 'fashion-2k': 2000, 'fashion-10k': 10_000 }[id] ?? 70_000;
}

const SKLEARN_SCRIPT = String.raw`
import gzip, json, resource, sys, time
import numpy as np
case, rows = sys.argv[1], int(sys.argv[2])
if case == 'digits':
    from sklearn.datasets import load_digits
    d = load_digits(); X, y = d.data, d.target
else:
    def idx(p, offset, shape):
        with gzip.open(p) as f: b = f.read()
        return np.frombuffer(b, dtype=np.uint8, offset=offset).reshape(shape)
    base = '${FASHION}'
    X = np.vstack([idx(base + 'train-images-idx3-ubyte.gz', 16, (-1, 784)), idx(base + 't10k-images-idx3-ubyte.gz', 16, (-1, 784))]).astype(np.float64) / 255
    y = np.concatenate([idx(base + 'train-labels-idx1-ubyte.gz', 8, (-1,)), idx(base + 't10k-labels-idx1-ubyte.gz', 8, (-1,))])
    X, y = X[:rows], y[:rows]
out = {}
start, cpu = time.time(), time.process_time()
if case == 'pca-70k':
    from sklearn.decomposition import PCA
    PCA(50, svd_solver='randomized', random_state=0).fit_transform(X)
    out['method'] = 'randomized'
else:
    from sklearn.manifold import TSNE
    from sklearn.neighbors import NearestNeighbors
    t = TSNE(2, perplexity=30, init='pca', learning_rate='auto', n_iter=1000, method='barnes_hut', random_state=0)
    Y = t.fit_transform(X)
    out['seconds'] = time.time() - start
    out['cpuUse'] = (time.process_time() - cpu) / out['seconds']
    out['kl'] = float(t.kl_divergence_)
    _, nb = NearestNeighbors(n_neighbors=11).fit(Y).kneighbors(Y)
    votes = y[nb[:, 1:]]
    pred = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    out['accuracy'] = float((pred == y).mean())
    out['method'] = 'barnes-hut'
out.setdefault('seconds', time.time() - start)
out.setdefault('cpuUse', (time.process_time() - cpu) / out['seconds'])
out['peakMb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
`;

// Rtsne's defaults but for the threads (both cores) and the duplicate check (slow, and the
// data has none that matter): PCA to 50 first, perplexity 30, θ = 0.5, 1,000 iterations.
const RTSNE_SCRIPT = String.raw`
library(Rtsne)
args <- commandArgs(trailingOnly = TRUE)
case <- args[1]; rows <- as.integer(args[2]); out <- args[3]
if (case == 'digits') {
  d <- as.matrix(read.csv(gzfile('${SKLEARN_DIGITS}'), header = FALSE))
  X <- d[, 1:64]
} else {
  idx <- function(p, offset, n) { con <- gzfile(p, 'rb'); b <- readBin(con, 'raw', n = offset + n); close(con); as.integer(b[(offset + 1):(offset + n)]) }
  train <- matrix(idx('${FASHION}train-images-idx3-ubyte.gz', 16, 60000 * 784), ncol = 784, byrow = TRUE)
  test <- matrix(idx('${FASHION}t10k-images-idx3-ubyte.gz', 16, 10000 * 784), ncol = 784, byrow = TRUE)
  X <- rbind(train, test)[1:rows, ] / 255
}
set.seed(0)
t0 <- proc.time()
fit <- Rtsne(X, dims = 2, perplexity = 30, theta = 0.5, max_iter = 1000, num_threads = 2, check_duplicates = FALSE)
t <- proc.time() - t0
write.table(fit$Y, out, sep = ',', row.names = FALSE, col.names = FALSE)
hwm <- grep('VmHWM', readLines('/proc/self/status'), value = TRUE)
cat(sprintf('{"seconds": %f, "cpuUse": %f, "kl": %f, "peakMb": %f, "method": "barnes-hut (bhtsne)"}\n', t[['elapsed']], (t[['user.self']] + t[['sys.self']]) / t[['elapsed']], tail(fit$itercosts, 1), as.numeric(gsub('[^0-9]', '', hwm)) / 1024))
`;

export class Peers {
  readonly sklearn?: string;
  readonly rtsne?: string;
  private readonly pythonScript: string;
  private readonly rScript: string;

  constructor(private readonly dir: string) {
    this.sklearn = version(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)']);
    this.rtsne = version(RSCRIPT, ['-e', 'cat(as.character(packageVersion("Rtsne")))']);
    this.pythonScript = join(dir, 'sklearn_case.py');
    writeFileSync(this.pythonScript, SKLEARN_SCRIPT);
    this.rScript = join(dir, 'rtsne_case.R');
    writeFileSync(this.rScript, RTSNE_SCRIPT);
  }

  runSklearn(id: string): Measured | undefined {
    return this.sklearn ? child(PYTHON, [this.pythonScript, id, String(fashionRows(id))]) : undefined;
  }

  /** Rtsne's figures and its embedding (n × 2, row-major), for the accuracy. */
  runRtsne(id: string): { measured: Measured; embedding: Float64Array } | undefined {
    if (!this.rtsne) return undefined;
    const out = join(this.dir, `rtsne-${id}.csv`);
    const measured = child(RSCRIPT, [this.rScript, id, String(fashionRows(id)), out]);
    if (!measured) return undefined;
    const embedding = Float64Array.from(readFileSync(out, 'utf8').trim().split(/[\n,]/).map(Number));
    return { measured, embedding };
  }
}

/** Runs a command that prints its figures as a JSON object on its last line. */
export function child(command: string, args: string[]): Measured | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed:\n${run.stderr}`);
    return undefined;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Measured;
}

function version(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
