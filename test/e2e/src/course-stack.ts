import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';

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
