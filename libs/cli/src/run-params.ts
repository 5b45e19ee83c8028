import { quote } from 'shell-quote';
import { ARTIFACT_ID_PATTERN } from '@gpulab/sdk';
import { UsageError } from './usage-error';

/** The job kind `gpulab run` submits: the team's own command on its GPUs. */
export const RUN_KIND = 'run';

/** What `gpulab run` was given besides the command. */
export interface RunParamFlags {
  /** `KEY=VALUE`, in the order given. */
  env: readonly string[];
  /** `NAME=art-…`: an uploaded artifact the command finds under that name. */
  input: readonly string[];
  /** How long the command may run: `30m`, `6h`, `1h30m`. */
  timeout?: string;
  /** The code archive's artifact id, once uploaded (or as given). */
  code?: string;
  /** Cluster mode: the team's image the command runs in; the gateway checks the reference. */
  image?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INPUT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TIMEOUT = /^(?:\d+[smhd])+$/;

/**
 * The `run` job's parameters: the command as one shell-quoted string of the words after `--`
 * (so `-- python train.py --name "my run"` reaches the worker as those three words), and the
 * environment, inputs, timeout and code as given. Refused before anything is sent: an empty
 * command, a malformed pair, a name given twice, a timeout that is not a span.
 */
export function runParams(command: readonly string[], flags: RunParamFlags): Record<string, unknown> {
  if (command.length === 0 || command.every((word) => word.trim() === '')) {
    throw new UsageError('give the command to run after --, e.g. gpulab run -- python train.py --epochs 10');
  }
  const params: Record<string, unknown> = { command: quote([...command]) };
  if (flags.env.length) params.env = pairs('--env', flags.env, (name) => ENV_NAME.test(name), 'a variable name (letters, digits, _)', () => true, '');
  if (flags.input.length) {
    params.inputs = pairs('--input', flags.input, (name) => INPUT_NAME.test(name), 'a plain name (letters, digits, . _ -)', (value) => ARTIFACT_ID_PATTERN.test(value), 'an artifact id (art-…, from gpulab upload)');
  }
  if (flags.timeout !== undefined) {
    const timeout = flags.timeout.trim();
    if (!TIMEOUT.test(timeout)) throw new UsageError(`--timeout ${JSON.stringify(flags.timeout.slice(0, 40))} is not a span (30m, 6h, 1h30m)`);
    params.timeout = timeout;
  }
  if (flags.code !== undefined) params.code = flags.code;
  if (flags.image !== undefined) {
    if (flags.image.trim() === '') throw new UsageError('--image needs an image reference, e.g. --image registry.example.org/team-a/train:v1');
    params.image = flags.image.trim();
  }
  return params;
}

/** `NAME=VALUE` pairs, checked and kept as given; the first `=` splits, so a value may hold more. */
function pairs(
  option: string,
  given: readonly string[],
  nameOk: (name: string) => boolean,
  nameRule: string,
  valueOk: (value: string) => boolean,
  valueRule: string,
): string[] {
  const seen = new Set<string>();
  return given.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option} ${pair}: expected NAME=VALUE`);
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!nameOk(name)) throw new UsageError(`${option} ${pair}: ${JSON.stringify(name)} is not ${nameRule}`);
    if (!valueOk(value)) throw new UsageError(`${option} ${pair}: ${JSON.stringify(value)} is not ${valueRule}`);
    if (seen.has(name)) throw new UsageError(`${option} gives ${name} twice; give it once`);
    seen.add(name);
    return `${name}=${value}`;
  });
}
