#!/usr/bin/env node
import { processContext } from './cli-context';
import { runCli } from './program';

void runCli(process.argv.slice(2), processContext()).then((code) => {
  process.exitCode = code;
});
