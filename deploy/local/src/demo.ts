#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStack } from './local-stack';

const cli = require.resolve('@gpulab/cli/main');
const lectureCsv = join(__dirname, '..', '..', '..', 'examples', 'lecture-pca.csv');

/**
 * `npm run demo`: starts the local stack, submits the lecture's PCA example through the CLI
 * as a student would, prints the result and stops everything.
 */
async function main(): Promise<number> {
  console.log('starting the local stack (nats-server, scheduler, gateway)…');
  // A fresh data folder each time, so the demo always starts from an empty calendar.
  const dataDir = process.env.GPULAB_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'gpulab-demo-'));
  const stack = await LocalStack.start({ dataDir, port: process.env.GPULAB_PORT ? Number(process.env.GPULAB_PORT) : 0 });
  try {
    console.log(`ready: gateway on ${stack.address}\n`);
    const env = { ...process.env, GPULAB_ADDR: stack.address, GPULAB_TOKEN: stack.tokens.teams.demo };
    const gpulab = (args: string[], shown = args.join(' ')) => {
      console.log(`$ gpulab ${shown}`);
      const run = spawnSync(process.execPath, [cli, ...args], { env, stdio: 'inherit' });
      console.log();
      return run.status ?? 1;
    };
    // Team jobs run inside the team's booked slot: book today's setup slot first.
    gpulab(['slots', 'book', '--kind', 'setup', '--start', 'today']);
    const args = ['submit', 'pca', '--input', lectureCsv, '--components', '1', '--wait'];
    const status = gpulab(args, args.join(' ').replace(lectureCsv, 'examples/lecture-pca.csv'));
    console.log('The lecture gives the eigenvalues 1.2840277 and 0.0490834 and the projection');
    console.log('(-0.8280, 1.7776, -0.9922, -0.2742, -1.6758, -0.9129, 0.0991, 1.1446, 0.4380, 1.2238)');
    console.log('on the axis (-0.6779, -0.7352); gpulab flips each axis so its largest entry is positive,');
    console.log('hence the same numbers with the other sign.');
    return status;
  } finally {
    await stack.close();
    if (!process.env.GPULAB_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
