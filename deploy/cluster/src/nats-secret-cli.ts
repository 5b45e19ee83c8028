#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createNatsIdentities } from '@gpulab/platform';
import { DEFAULT_NATS_AUTH_SECRET, natsAuthSecret } from './nats-auth-secret';

/**
 * Prints a new Secret of NATS identities for the Helm chart, as JSON `kubectl apply -f -` reads:
 *   npx gpulab-nats-secret --namespace gpulab | kubectl apply -f -
 * Run it once per cluster: new identities lock out every stored user of the old ones.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: 'string', default: DEFAULT_NATS_AUTH_SECRET }, namespace: { type: 'string' } } });
  const secret = natsAuthSecret(await createNatsIdentities(), { name: values.name, namespace: values.namespace });
  process.stdout.write(JSON.stringify(secret, null, 2) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`gpulab-nats-secret: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
