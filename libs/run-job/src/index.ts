export { runKind } from './run-kind';
export { compileRunParams, RUN_KIND_NAME, RUN_PARAMS, runParamsRecord, type RunParams } from './run-params';
export { attemptDeadline, commandGraceMs, parseTimeoutMs } from './run-timeout';
export { buildCommandEnv, type CommandEnvSpec, type CommandFolders, inheritedEnv, isReservedVariable } from './command-env';
export { LineSplitter, printable } from './line-splitter';
export { type LogAdmission, LogRateLimiter, type LogRates } from './log-rate-limiter';
export { type CommandProgress, parseProgressLine, PROGRESS_PREFIX, progressOfStdoutLine } from './progress-line';
export { COMMAND_NOT_FOUND_EXIT, type CommandExit, exitReason, exitStatusOfReason, notStarted, signalName, StderrTail, STDERR_TAIL_LINES, type StopCause } from './command-exit';
