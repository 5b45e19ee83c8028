#!/usr/bin/env node
import { LocalStack } from './local-stack';

/** `npm start`: the local stack until Ctrl-C. */
async function main(): Promise<void> {
  const env = process.env;
  const stack = await LocalStack.start({
    dataDir: env.GPULAB_DATA_DIR,
    port: env.GPULAB_PORT ? Number(env.GPULAB_PORT) : undefined,
    gpuLayout: env.GPULAB_GPU_LAYOUT,
  });
  console.log(`gpulab local stack: gateway on ${stack.address}, NATS on ${stack.nats.url}`);
  console.log(`data in ${stack.dataDir} (tokens: ${stack.tokensFile}, logs: ${stack.logDir})`);
  console.log(`try: npx gpulab submit pca --dataset seed-example --components 1 --wait`);
  console.log('ready (Ctrl-C to stop)');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`gpulab: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
