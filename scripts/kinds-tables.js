#!/usr/bin/env node
// Rewrites README.md's parameter tables (between <!-- kinds:NAME --> markers) from the job
// kinds' own tables; libs/jobs's tests fail while README.md is out of date. Needs a build of
// @gpulab/jobs (npx nx run @gpulab/jobs:build).
const { readFileSync, writeFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { updateKindTables } = require('@gpulab/jobs');

const path = resolve(__dirname, '..', 'README.md');
const before = readFileSync(path, 'utf8');
const after = updateKindTables(before);
if (after === before) {
  process.stdout.write('README.md: the kinds\' tables are up to date\n');
} else {
  writeFileSync(path, after);
  process.stdout.write('README.md: the kinds\' tables rewritten\n');
}
