import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, createOperator, encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import { Prefix } from '@nats-io/nkeys';
import { NativeKeyPair } from './native-nkeys';
import { GATEWAY_PERMISSIONS, type NatsPermissions, SCHEDULER_PERMISSIONS } from '@gpulab/contracts';

/**
 * NATS in operator mode: an operator signs two accounts (the system's, and `GPULAB`, which holds
 * every stream and bucket), and the account's signing key signs its users. Each process gets a
 * user of its own whose permissions nats-server enforces (`nats-permissions.ts`); the scheduler
 * holds the signing key so it can mint a user per worker attempt.
 */
export interface NatsIdentities {
  operatorJwt: string;
  systemAccount: { publicKey: string; jwt: string };
  account: { publicKey: string; jwt: string };
  /** Seed of the key that signs the account's users: whoever holds it can mint any user. */
  signerSeed: string;
  /** `.creds` texts (a user JWT and its seed). */
  creds: { gateway: string; scheduler: string };
}

/** The account's limits: nats-server counts an unset limit as zero, so every one is spelled out. */
const UNLIMITED = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
};

const decoder = new TextDecoder();

export async function createNatsIdentities(): Promise<NatsIdentities> {
  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const signer = createAccount();
  const operatorJwt = await encodeOperator('gpulab', operator, { system_account: system.getPublicKey() });
  const systemJwt = await encodeAccount('SYS', system, { limits: { ...UNLIMITED, mem_storage: 0, disk_storage: 0, streams: 0, consumer: 0 } }, { signer: operator });
  const accountJwt = await encodeAccount('GPULAB', account, { limits: UNLIMITED, signing_keys: [signer.getPublicKey()] }, { signer: operator });
  const signerSeed = decoder.decode(signer.getSeed());
  const user = (name: string, permissions: NatsPermissions) => mintUserCreds({ signerSeed, accountPublicKey: account.getPublicKey(), name, permissions });
  return {
    operatorJwt,
    systemAccount: { publicKey: system.getPublicKey(), jwt: systemJwt },
    account: { publicKey: account.getPublicKey(), jwt: accountJwt },
    signerSeed,
    creds: { gateway: await user('gateway', GATEWAY_PERMISSIONS), scheduler: await user('scheduler', SCHEDULER_PERMISSIONS) },
  };
}

export interface MintOptions {
  signerSeed: string;
  accountPublicKey: string;
  name: string;
  permissions: NatsPermissions;
  /** Seconds since the epoch after which the server refuses the user. */
  expiresAt?: number;
  /** Caps on one connection of this user. */
  limits?: { subs?: number; payload?: number; data?: number };
}

/** A new user of the account with these permissions, as `.creds` text. */
export async function mintUserCreds(options: MintOptions): Promise<string> {
  const user = NativeKeyPair.create(Prefix.User);
  const signer = signerOf(options.signerSeed);
  const jwt = await encodeUser(
    options.name,
    user,
    options.accountPublicKey,
    { pub: options.permissions.pub, sub: options.permissions.sub, subs: -1, data: -1, payload: -1, ...options.limits },
    { signer, ...(options.expiresAt ? { exp: options.expiresAt } : {}) },
  );
  return decoder.decode(fmtCreds(jwt, user));
}

// One signer serves every attempt: its key is read once.
const signers = new Map<string, NativeKeyPair>();

function signerOf(seed: string): NativeKeyPair {
  let signer = signers.get(seed);
  if (!signer) {
    signer = NativeKeyPair.fromSeed(seed);
    signers.set(seed, signer);
  }
  return signer;
}

/** The lines of nats-server's configuration that turn authentication on. */
export function serverAuthConfig(identities: NatsIdentities, operatorJwtFile: string): string {
  return [
    `operator: ${JSON.stringify(operatorJwtFile)}`,
    `system_account: ${identities.systemAccount.publicKey}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${identities.systemAccount.publicKey}: ${JSON.stringify(identities.systemAccount.jwt)}`,
    `  ${identities.account.publicKey}: ${JSON.stringify(identities.account.jwt)}`,
    '}',
  ].join('\n');
}

/** Where the local stack keeps NATS' keys, and the files it hands each process. */
export interface NatsAuthFiles {
  dir: string;
  /** Everything, seeds included: read only by the local stack. */
  identities: string;
  operatorJwt: string;
  gatewayCreds: string;
  schedulerCreds: string;
  /** The account's public key and signing seed, for the scheduler to mint workers' users. */
  workerSigner: string;
}

export function natsAuthFiles(dataDir: string): NatsAuthFiles {
  const dir = join(dataDir, 'nats-auth');
  return {
    dir,
    identities: join(dir, 'identities.json'),
    operatorJwt: join(dir, 'operator.jwt'),
    gatewayCreds: join(dir, 'gateway.creds'),
    schedulerCreds: join(dir, 'scheduler.creds'),
    workerSigner: join(dir, 'worker-signer.json'),
  };
}

/** The account and the key the scheduler signs workers' users with. */
export interface WorkerSigner {
  accountPublicKey: string;
  signerSeed: string;
}

/**
 * Creates the identities on first start and writes each process's file (folder 0700, files
 * 0600: they are passwords); later starts read them back, so stored state keeps its owner.
 */
export async function ensureNatsIdentities(dataDir: string): Promise<{ files: NatsAuthFiles; identities: NatsIdentities; created: boolean }> {
  const files = natsAuthFiles(dataDir);
  const created = !existsSync(files.identities);
  const identities = created ? await createNatsIdentities() : (JSON.parse(readFileSync(files.identities, 'utf8')) as NatsIdentities);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  chmodSync(files.dir, 0o700);
  const signer: WorkerSigner = { accountPublicKey: identities.account.publicKey, signerSeed: identities.signerSeed };
  writeSecret(files.identities, JSON.stringify(identities, null, 2) + '\n');
  writeSecret(files.operatorJwt, identities.operatorJwt);
  writeSecret(files.gatewayCreds, identities.creds.gateway);
  writeSecret(files.schedulerCreds, identities.creds.scheduler);
  writeSecret(files.workerSigner, JSON.stringify(signer) + '\n');
  return { files, identities, created };
}

export function readWorkerSigner(path: string): WorkerSigner {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<WorkerSigner>;
  if (typeof parsed.accountPublicKey !== 'string' || typeof parsed.signerSeed !== 'string') {
    throw new Error(`${path} is not a worker signer file (it needs accountPublicKey and signerSeed)`);
  }
  return { accountPublicKey: parsed.accountPublicKey, signerSeed: parsed.signerSeed };
}

export function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}
