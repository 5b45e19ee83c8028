/** JetStream keeps at most five copies of a stream; a lone nats-server (the local stack) keeps one. */
const MAX_REPLICAS = 5;

/**
 * Reads how many copies of each stream, bucket and object store JetStream keeps
 * (`GPULAB_NATS_REPLICAS`): 1 on a lone nats-server, 3 on a cluster of three. Unset or empty
 * means 1. Throws naming the field, since a cluster that silently keeps one copy loses data
 * with the first node.
 */
export function compileJetStreamReplicas(value: string | number | undefined, field: string): number {
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return 1;
  const replicas = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new Error(`${field}: "${value}" must be a whole number of copies from 1 to ${MAX_REPLICAS}`);
  }
  return replicas;
}
