import { after, before } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient } from '@gpulab/sdk';

export interface CourseTokens {
  tutor: string;
  teams: Record<string, string>;
}

export interface CourseStackOptions {
  /** Environment of the stack's processes (e.g. GPULAB_BACKEND). */
  env?: Record<string, string>;
  /** The teams that get today's setup slot. @default every team */
  booked?: string[];
}

/**
 * A local stack under `dir` with these tokens, where a tutor has booked today's setup slot for
 * every team (or those `booked`), so the teams' jobs run at once.
 */
export async function startCourseStack(dir: string, tokens: CourseTokens, options: CourseStackOptions = {}): Promise<LocalStack> {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'tokens.json'), JSON.stringify(tokens), { mode: 0o600 });
  const stack = await LocalStack.start({ dataDir: data, port: 0, env: options.env });
  const tutor = stack.client(tokens.tutor);
  try {
    for (const team of options.booked ?? Object.keys(tokens.teams)) await tutor.bookSlot({ kind: 'setup', start: 'today', team });
  } finally {
    tutor.close();
  }
  return stack;
}

/** One team's side of a course stack that a suite shares: its SDK client and the CLI's environment. */
export interface TeamSuiteStack {
  readonly stack: LocalStack;
  readonly client: GpulabClient;
  /** What `runCliInProcess` needs to act as the team. */
  readonly cliEnv: NodeJS.ProcessEnv;
}

/**
 * A course stack for the suite this is called in: started before its tests (after `prepare`),
 * closed with the suite's temporary folder after them, used as `team`.
 */
export function teamSuiteStack(
  dir: { path: string; remove(): void },
  tokens: CourseTokens,
  team: string,
  options: CourseStackOptions & { prepare?: () => void } = {},
): TeamSuiteStack {
  let stack: LocalStack | undefined;
  let client: GpulabClient | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the suite stack is used before its suite started it');
    return value;
  };
  before(async () => {
    options.prepare?.();
    stack = await startCourseStack(dir.path, tokens, options);
    client = stack.client(tokens.teams[team]);
  });
  after(async () => {
    client?.close();
    await stack?.close();
    dir.remove();
  });
  return {
    get stack() {
      return started(stack);
    },
    get client() {
      return started(client);
    },
    get cliEnv() {
      return { GPULAB_ADDR: started(stack).address, GPULAB_TOKEN: tokens.teams[team] };
    },
  };
}
