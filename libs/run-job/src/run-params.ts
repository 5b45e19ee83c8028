import { InvalidParameterError, isGiven, type ParamTable, rejectUnknownParams } from '@gpulab/compute';
import { ARTIFACT_ID_PATTERN, quoteInput, RUN_KIND_NAME } from '@gpulab/contracts';
import { parse as parseShellWords } from 'shell-quote';
import { isReservedVariable } from './command-env';
import { parseImageReference } from './image-reference';
import { parseTimeoutMs } from './run-timeout';

export { RUN_KIND_NAME };

/** An input's name becomes a file name under GPULAB_INPUTS: a plain word. */
const INPUT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** A variable's name as POSIX shells accept it. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Bounds that keep a job record small: a command line, its variables and inputs. */
const MAX_ARGS = 256;
const MAX_COMMAND_CHARS = 8192;
const MAX_ENV = 64;
const MAX_INPUTS = 16;

/** run's parameters: what the compile step reads and `gpulab kinds` shows. */
export const RUN_PARAMS = [
  { name: 'command', type: 'string', meaning: 'the command, split like a shell does but run without one (write `sh -c "…"` for pipes and globbing); or a list of words from the SDK' },
  { name: 'env', type: 'list', default: 'none', meaning: 'KEY=VALUE variables for the command, comma-separated or a list; GPULAB_* and CUDA_VISIBLE_DEVICES are gpulab\'s' },
  { name: 'inputs', type: 'list', default: 'none', meaning: 'NAME=art-… uploaded artifacts, each readable as $GPULAB_INPUTS/NAME' },
  { name: 'timeout', type: 'string', default: 'until the slot ends', meaning: 'longest run per attempt: 90m, 6h, or seconds; never past the end of a slot' },
  { name: 'code', type: 'artifact', default: 'none', meaning: 'a code archive unpacked as the command\'s working directory' },
  { name: 'image', type: 'string', default: 'the worker\'s machine', meaning: 'cluster mode: the team\'s container image the command runs in, REGISTRY/IMAGE:TAG (it needs /bin/sh)' },
] as const satisfies ParamTable;

/** run's compiled parameters. */
export interface RunParams {
  /** The program and its arguments, never empty. */
  argv: string[];
  /** Extra variables, none of them gpulab's own. */
  env: Record<string, string>;
  /** Input name → artifact id. */
  inputs: Record<string, string>;
  /** Undefined: until the slot ends (or without a slot, no limit). */
  timeoutMs?: number;
  /** A code archive's artifact id. */
  code?: string;
  /** The team's container image (cluster mode only), a checked reference. */
  image?: string;
}

/** Checks run's parameters (in the gateway at submission, and in the worker again on the record). */
export function compileRunParams(params: Record<string, unknown>): RunParams {
  rejectUnknownParams(RUN_KIND_NAME, params, RUN_PARAMS);
  const code = params.code;
  if (isGiven(params, 'code') && (typeof code !== 'string' || !ARTIFACT_ID_PATTERN.test(code))) {
    throw new InvalidParameterError('code', `code must be an artifact id (art-…), not ${quoteInput(code)}`);
  }
  return {
    argv: commandParam(params.command),
    env: envParam(params.env),
    inputs: inputsParam(params.inputs),
    timeoutMs: isGiven(params, 'timeout') ? parseTimeoutMs(params.timeout) : undefined,
    code: isGiven(params, 'code') ? (code as string) : undefined,
    image: isGiven(params, 'image') ? imageParam(params.image) : undefined,
  };
}

/**
 * The compiled parameters as the job record keeps them: the command as its words (so the
 * worker never splits it again), inputs as an object whose values the scheduler's worker data
 * server finds when the worker reads them.
 */
export function runParamsRecord(p: RunParams): Record<string, unknown> {
  return {
    command: p.argv,
    ...(Object.keys(p.env).length > 0 ? { env: Object.entries(p.env).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(Object.keys(p.inputs).length > 0 ? { inputs: Object.entries(p.inputs).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(p.timeoutMs !== undefined ? { timeout: `${p.timeoutMs}ms` } : {}),
    ...(p.code !== undefined ? { code: p.code } : {}),
    ...(p.image !== undefined ? { image: p.image } : {}),
  };
}

/** The team's image, refused at submission when no runtime could pull it (it would fail only in the pod). */
function imageParam(raw: unknown): string {
  if (typeof raw !== 'string') throw new InvalidParameterError('image', `image must be a reference such as registry.example.org/team/train:v1, not ${quoteInput(raw)}`);
  const parsed = parseImageReference(raw.trim());
  if ('problem' in parsed) throw new InvalidParameterError('image', `image ${quoteInput(raw)} is not an image reference (REGISTRY/IMAGE:TAG): ${parsed.problem}`);
  return raw.trim();
}

function commandParam(raw: unknown): string[] {
  if (!isGiven({ raw }, 'raw')) throw new InvalidParameterError('command', 'run needs a command: --set command="python3 train.py"');
  let argv: string[];
  if (Array.isArray(raw)) {
    argv = raw.map((word) => String(word));
  } else if (typeof raw === 'string') {
    if (raw.length > MAX_COMMAND_CHARS) throw new InvalidParameterError('command', `the command has ${raw.length} characters; at most ${MAX_COMMAND_CHARS}`);
    argv = shellWords(raw);
  } else {
    throw new InvalidParameterError('command', `command must be text or a list of words, not ${quoteInput(raw)}`);
  }
  if (argv.length === 0 || argv[0].trim() === '') throw new InvalidParameterError('command', 'the command is empty; give the program to run');
  if (argv.length > MAX_ARGS) throw new InvalidParameterError('command', `the command has ${argv.length} words; at most ${MAX_ARGS}`);
  return argv;
}

/**
 * Words as a shell splits them (quotes, escapes). What only a shell does (pipes, redirections,
 * globs, `$VAR`) is refused rather than passed on as text the user did not mean literally.
 */
function shellWords(text: string): string[] {
  const words: string[] = [];
  // Without a shell nothing would expand `$VAR`; refused rather than silently read as ''.
  const variable = (name: string): never => {
    throw new InvalidParameterError('command', `the command uses ${quoteInput(`$${name}`)}, which needs a shell; write it as sh -c "…"`);
  };
  for (const entry of parseShellWords(text, variable)) {
    if (typeof entry === 'string') {
      words.push(entry);
      continue;
    }
    if ('comment' in entry) break;
    const what = 'op' in entry ? (entry.op === 'glob' ? entry.pattern : entry.op) : String(entry);
    throw new InvalidParameterError('command', `the command uses ${quoteInput(what)}, which needs a shell; write it as sh -c "…"`);
  }
  return words;
}

function envParam(raw: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of listParam(raw, 'env', MAX_ENV)) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!VARIABLE_NAME.test(key)) throw new InvalidParameterError('env', `env: ${quoteInput(pair)} is not KEY=VALUE`);
    if (isReservedVariable(key)) throw new InvalidParameterError('env', `env: ${key} is set by gpulab for every job and cannot be given`);
    if (key in env) throw new InvalidParameterError('env', `env: ${key} is given twice`);
    env[key] = pair.slice(eq + 1);
  }
  return env;
}

function inputsParam(raw: unknown): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of listParam(raw, 'inputs', MAX_INPUTS)) {
    const [name, id, ...rest] = pair.split('=');
    if (!INPUT_NAME.test(name ?? '') || rest.length > 0 || !ARTIFACT_ID_PATTERN.test(id ?? '')) {
      throw new InvalidParameterError('inputs', `inputs: ${quoteInput(pair)} is not NAME=art-… (a name of letters, digits, _ and -)`);
    }
    if (name in inputs) throw new InvalidParameterError('inputs', `inputs: ${name} is given twice`);
    inputs[name] = id;
  }
  return inputs;
}

/** A list as the CLI gives it (comma-separated text) or the SDK (an array of strings). */
function listParam(raw: unknown, name: string, max: number): string[] {
  if (!isGiven({ raw }, 'raw')) return [];
  const items = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) throw new InvalidParameterError(name, `${name} must be a list, not ${quoteInput(raw)}`);
  const kept = items.map((item) => item.trim()).filter((item) => item !== '');
  if (kept.length > max) throw new InvalidParameterError(name, `${name} has ${kept.length} entries; at most ${max}`);
  return kept;
}
