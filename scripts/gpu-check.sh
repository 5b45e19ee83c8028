#!/usr/bin/env bash
# The GPU check, prepared to run in one go on a machine with a GPU (after `npm ci && npm run
# build`): what the machine has, which TensorFlow.js backends start, then the training bench and
# the t-SNE tensor path on the best backend. Every step says what it found; none stops the rest.
set -uo pipefail
cd "$(dirname "$0")/.."
echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || echo "no nvidia-smi"
node --version
echo "== TensorFlow.js backends"
node -e "
const { installedBackends, initBackend } = require('./libs/neural/dist');
(async () => {
  for (const name of installedBackends()) {
    try { console.log(name, JSON.stringify(await initBackend(name))); } catch (e) { console.log(name, 'does not start:', e.message); }
  }
})();"
echo "== training images/s per backend"
timeout 300 node bench/dist/training-bench.js --images 2000 || echo "training bench failed ($?)"
echo "== t-SNE: CPU path and tensor path on digits"
timeout 120 node bench/dist/visualization-bench.js --case digits || echo "cpu case failed ($?)"
NVIDIA_TF32_OVERRIDE=0 timeout 300 node bench/dist/visualization-bench.js --case digits-tensor || echo "tensor case failed ($?)"
