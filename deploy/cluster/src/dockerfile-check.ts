import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ignore from '@balena/dockerignore';
import { Add, Copy, DockerfileParser, type Instruction, Label } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

/** The images `deploy/images/Dockerfile` builds, by target. */
export const IMAGE_TARGETS = ['gateway', 'scheduler', 'worker-cpu', 'worker-gpu'] as const;

/** The OCI annotations every image carries. */
export const OCI_LABELS = ['title', 'description', 'source', 'licenses', 'version', 'revision'].map((l) => `org.opencontainers.image.${l}`);

// dockerfile-utils' severities: 1 error, 2 warning.
const ERROR = 1;

interface Stage {
  name: string;
  /** The base after the Dockerfile's global ARG defaults are put in. */
  base: string;
  instructions: Instruction[];
}

export interface DockerfileInput {
  /** The Dockerfile's text. */
  text: string;
  /** The build context (the repository root): COPY sources are looked up here. */
  contextDir: string;
  /** The context's .dockerignore text; empty when it has none. */
  dockerignore: string;
}

/** Reads a Dockerfile and its context's .dockerignore from disk. */
export function dockerfileInput(dockerfile: string, contextDir: string): DockerfileInput {
  const ignoreFile = join(contextDir, '.dockerignore');
  return { text: readFileSync(dockerfile, 'utf8'), contextDir, dockerignore: existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '' };
}

/**
 * What keeps the Dockerfile from building the images as the project wants them, one sentence
 * each; empty when nothing does. No container engine runs where this is checked, so it stands
 * in for a build: it is what would fail (a COPY of a file that is not in the context) or what a
 * built image would get wrong (root, no labels, dev dependencies).
 */
export function dockerfileProblems(input: DockerfileInput, targets: readonly string[] = IMAGE_TARGETS): string[] {
  const problems: string[] = [];
  for (const d of validate(input.text)) {
    if (d.severity === ERROR) problems.push(`line ${d.range.start.line + 1}: ${d.message}`);
  }
  const stages = readStages(input.text);
  const byName = new Map(stages.map((s) => [s.name, s]));
  if (stages.length < 2) problems.push('the build is not multi-stage: compile in one stage, copy the output into a slim one');
  for (const target of targets) {
    const stage = byName.get(target);
    if (!stage) {
      problems.push(`no stage named "${target}"`);
      continue;
    }
    problems.push(...imageProblems(stage, byName));
  }
  problems.push(...copySourceProblems(stages, input));
  return problems;
}

function readStages(text: string): Stage[] {
  const dockerfile = DockerfileParser.parse(text);
  const globals = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) globals.set(property.getName(), property.getValue() ?? '');
  }
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const base = (args[0] ?? '').replace(/\$\{?(\w+)\}?/g, (_, name: string) => globals.get(name) ?? '');
      const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({ name: asIndex >= 0 ? args[asIndex + 1] : String(stages.length), base, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

function imageProblems(stage: Stage, byName: Map<string, Stage>): string[] {
  const problems: string[] = [];
  const at = `image "${stage.name}"`;
  if (!/-slim\b|-runtime\b/.test(stage.base)) problems.push(`${at}: its base ${stage.base} is neither a slim Node image nor a CUDA runtime one`);
  const users = stage.instructions.filter((i) => i.getKeyword() === 'USER');
  const user = users.at(-1)?.getArgumentsContent()?.trim();
  if (user === undefined) problems.push(`${at}: no USER, so it runs as root`);
  else if (/^(root|0)(:|$)/.test(user)) problems.push(`${at}: USER ${user} is root`);
  const labels = new Set(stage.instructions.filter((i) => i instanceof Label).flatMap((i) => i.getProperties().map((p) => p.getName())));
  for (const label of OCI_LABELS) if (!labels.has(label)) problems.push(`${at}: no ${label} label`);
  // Only what a files stage installed with --omit=dev may reach an image.
  for (const from of copiedStages(stage)) {
    const source = byName.get(from);
    if (!source) continue;
    for (const run of source.instructions.filter((i) => i.getKeyword() === 'RUN')) {
      const command = run.getArgumentsContent() ?? '';
      for (const install of command.split(/&&|;/).filter((c) => /\bnpm (ci|install)\b/.test(c))) {
        if (!install.includes('--omit=dev')) problems.push(`${at}: stage "${from}" runs "${install.trim()}" without --omit=dev, so dev dependencies reach the image`);
      }
    }
  }
  return problems;
}

function copiedStages(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i instanceof Copy)
    .map((i) => i.getFromFlag()?.getValue())
    .filter((v): v is string => Boolean(v));
}

/** Every COPY from the context must name files that are there and that .dockerignore lets in. */
function copySourceProblems(stages: Stage[], input: DockerfileInput): string[] {
  const ignored = ignore().add(input.dockerignore.split('\n'));
  const problems: string[] = [];
  for (const stage of stages) {
    for (const copy of stage.instructions.filter((i) => i instanceof Copy || i instanceof Add)) {
      if (copy instanceof Copy && copy.getFromFlag()) continue;
      const args = copy.getArguments().map((a) => a.getValue()).filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) {
        const path = posix.normalize(source).replace(/\/$/, '') || '.';
        const line = copy.getRange().start.line + 1;
        if (path.startsWith('..') || posix.isAbsolute(path)) problems.push(`line ${line}: ${copy.getKeyword()} ${source} reaches outside the build context`);
        else if (!existsSync(join(input.contextDir, path))) problems.push(`line ${line}: ${copy.getKeyword()} ${source}: no such file in the repository`);
        else if (path !== '.' && ignored.ignores(path)) problems.push(`line ${line}: ${copy.getKeyword()} ${source}: excluded by .dockerignore, so the build cannot see it`);
      }
    }
  }
  return problems;
}
