// Compiles each AssemblyScript file in assembly/ into dist/wasm/<name>.wasm, optimized, with
// 128-bit SIMD, no runtime (the kernels only read and write their memory).
const { execFileSync } = require('node:child_process');
const { readdirSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const asc = require.resolve('assemblyscript/bin/asc.js');
/** Flags of single modules: grid.ts works on PFFFT's memory, so it imports a memory. */
const moduleFlags = { grid: ['--importMemory'] };
mkdirSync(join(__dirname, 'dist', 'wasm'), { recursive: true });
for (const file of readdirSync(join(__dirname, 'assembly')).filter((f) => f.endsWith('.ts'))) {
  const name = file.replace(/\.ts$/, '');
  execFileSync(process.execPath, [asc, join('assembly', file), '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert', ...(moduleFlags[name] ?? []), '-o', join('dist', 'wasm', `${name}.wasm`)], { cwd: __dirname, stdio: 'inherit' });
}
