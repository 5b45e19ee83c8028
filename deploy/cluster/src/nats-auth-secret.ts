import { type NatsIdentities, serverAuthConfig } from '@gpulab/platform';

/** The Secret's name the chart expects by default (`nats.authSecret`). */
export const DEFAULT_NATS_AUTH_SECRET = 'gpulab-nats-auth';

/** The keys of the Secret, and who reads each: NATS the first, the gateway and scheduler the others. */
export const NATS_AUTH_KEYS = ['auth.conf', 'gateway.creds', 'scheduler.creds', 'worker-signer.json'] as const;

export interface NatsAuthSecretOptions {
  /** @default DEFAULT_NATS_AUTH_SECRET */
  name?: string;
  /** Absent: the namespace `kubectl apply -n` names. */
  namespace?: string;
}

/**
 * The Kubernetes Secret that holds a cluster's NATS identities, made like the local stack's
 * (`createNatsIdentities`), so the users' permissions come from the one table in
 * `@gpulab/contracts` and nats-server enforces them the same way. NATS reads `auth.conf`, with
 * the operator's JWT written inline, so the server needs no second file at a fixed path.
 */
export function natsAuthSecret(identities: NatsIdentities, options: NatsAuthSecretOptions = {}) {
  const data: Record<(typeof NATS_AUTH_KEYS)[number], string> = {
    'auth.conf': serverAuthConfig(identities, identities.operatorJwt) + '\n',
    'gateway.creds': identities.creds.gateway,
    'scheduler.creds': identities.creds.scheduler,
    'worker-signer.json': JSON.stringify({ accountPublicKey: identities.account.publicKey, signerSeed: identities.signerSeed }) + '\n',
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: options.name ?? DEFAULT_NATS_AUTH_SECRET,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: { 'app.kubernetes.io/name': 'gpulab', 'app.kubernetes.io/component': 'nats-auth' },
    },
    type: 'Opaque',
    stringData: data,
  };
}
