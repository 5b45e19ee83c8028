import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { groupProcesses, parseProcStat } from './proc-stat';

describe('/proc/<pid>/stat', () => {
  it('is read from after the command name, which may hold spaces and parentheses', () => {
    const line = '4242 (python3 (train) x) S 4200 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 12345 1000000 777 18446744073709551615';
    assert.deepEqual(parseProcStat(line), { pid: 4242, state: 'S', ppid: 4200, pgrp: 4242, cpuTicks: 300, rssPages: 777 });
  });

  it('refuses a line that is not one', () => {
    assert.equal(parseProcStat('garbage'), undefined);
  });

  it("finds this process's own group, zombies left out", () => {
    const own = groupProcesses(parseProcStat(readFileSync('/proc/self/stat', 'utf8'))?.pgrp ?? -1);
    assert.ok(own === undefined || own.some((p) => p.pid === process.pid));
  });
});
