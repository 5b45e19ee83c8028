/**
 * The `gpulab` program as a library: build it or run a command line in-process against a
 * context of one's own (captured streams, a started stack's address). The executable is `./main`.
 */
export { type CliContext, processContext } from './cli-context';
export { buildProgram, CLI_VERSION, runCli } from './program';
