import { type Command } from 'commander';
import { type GpulabClient, isTerminalState } from '@gpulab/sdk';
import { type CliContext, withClient } from '../cli-context';
import { codeArtifactId } from '../code-upload';
import { keptFilesHint } from '../kept-files';
import { printJobLogs } from '../log-follow';
import { collect, positiveInt } from '../option-parsers';
import { runExitCode } from '../run-exit';
import { RUN_KIND, runParams } from '../run-params';

interface RunFlags {
  gpus?: number;
  code?: string;
  input: string[];
  env: string[];
  timeout?: string;
  image?: string;
  preemptible?: boolean;
  priority?: boolean;
  detach?: boolean;
}

/** `run`: the team's own command on its slot's GPUs, its output followed live. */
export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description("run your own command on your slot's GPUs and follow its output, e.g. gpulab run --gpus 2 --code . -- python train.py --epochs 10")
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--gpus <n>', 'GPUs for the job (1 or 2)', positiveInt('--gpus'))
    .option('--code <dir-or-artifact>', 'a directory to pack and upload (re-used when unchanged), or an uploaded code archive (art-…); the command runs in it')
    .option('--input <name=art-…>', 'an uploaded artifact the command finds under that name (repeatable)', collect, [])
    .option('--env <KEY=VALUE>', 'an environment variable for the command (repeatable)', collect, [])
    .option('--timeout <span>', 'stop the command after this long, e.g. 30m, 6h')
    .option('--image <ref>', "cluster mode: your team's container image the command runs in, REGISTRY/IMAGE:TAG (it needs /bin/sh)")
    .option('--preemptible', "also run on idle GPUs outside your team's slot, until a booking needs them")
    .option('--priority', "jump your team's own queue")
    .option('--detach', 'print the job id and return at once, without following')
    .addHelpText(
      'after',
      '\nExit status: the command\'s own once the job ended; 1 when the job failed otherwise or was cancelled; 2 when refused.\n' +
        'Ctrl-C stops following, not the job: "gpulab logs ID --follow" follows it again, "gpulab cancel ID" stops it.\n' +
        'With --code DIR, .git, node_modules, __pycache__ and what DIR/.gpulabignore lists (gitignore rules) are left out.',
    )
    .action(async (command: string[], opts: RunFlags) => {
      const flags = { env: opts.env, input: opts.input, timeout: opts.timeout, image: opts.image };
      // Checked before anything is packed or uploaded: a typo costs no upload.
      runParams(command, flags);
      await withClient(ctx, async (client) => {
        const code = opts.code === undefined ? undefined : await codeArtifactId(ctx, client, opts.code);
        const { job, notices } = await client.submitJob({ kind: RUN_KIND, params: runParams(command, { ...flags, code }), gpus: opts.gpus, priority: opts.priority, preemptible: opts.preemptible });
        if (opts.detach) {
          ctx.stdout.write(`${job.id}\n`);
          return;
        }
        ctx.stderr.write(`submitted ${job.id} (${job.kind}, ${job.state}); Ctrl-C stops following, the job goes on\n`);
        for (const n of notices) ctx.stderr.write(`note: ${n}\n`);
        await attach(ctx, client, job.id);
      });
    });
}

/** Prints the job's output until it ends, then exits as its command did; Ctrl-C detaches. */
async function attach(ctx: CliContext, client: GpulabClient, id: string): Promise<void> {
  const detach = new AbortController();
  const stopListening = ctx.onInterrupt(() => detach.abort());
  try {
    await printJobLogs(ctx, client, id, { follow: true }, detach.signal);
  } finally {
    stopListening();
  }
  if (detach.signal.aborted) {
    ctx.stderr.write(`detached from ${id}, which goes on\n  follow it again: gpulab logs ${id} --follow\n  stop it:         gpulab cancel ${id}\n`);
    return;
  }
  let job = await client.getJob(id);
  // The output ends with the job; should it have ended otherwise, the job is followed to its end.
  if (job.state === 'UNKNOWN' || !isTerminalState(job.state)) job = await client.waitForJob(id);
  if (job.state !== 'SUCCEEDED') ctx.stderr.write(`job ${id} ${job.state}${job.reason ? `: ${job.reason}` : ''}\n`);
  const kept = keptFilesHint(job);
  if (kept) ctx.stderr.write(`${kept}\n`);
  ctx.exitCode = runExitCode(job);
}
