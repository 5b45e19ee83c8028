import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jobNameOfHandle, kubeHandle, kubeJobName, labelValue } from './job-names';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('Kubernetes names of an attempt', () => {
  it('keeps a plain job id readable in the Job name', () => {
    assert.equal(kubeJobName('0193a8f2-77c1-7d3e-9a51-2f3c4d5e6f70', 2), 'gpulab-0193a8f2-77c1-7d3e-9a51-2f3c4d5e6f70-a2');
  });

  it('makes a valid, distinct name of ids that are long or not DNS names', () => {
    const ids = ['Job_With.Upper', 'job_with.upper', 'x'.repeat(200), `${'x'.repeat(199)}y`];
    const names = ids.map((id) => kubeJobName(id, 1));
    for (const name of names) assert.match(name, DNS_LABEL);
    assert.equal(new Set(names).size, ids.length);
  });

  it('finds the Job name in its handle and no name in another launcher handle', () => {
    assert.equal(jobNameOfHandle(kubeHandle('gpulab', 'gpulab-a-a1')), 'gpulab-a-a1');
    assert.equal(jobNameOfHandle('pid:1234'), undefined);
  });

  it('makes label values of any text', () => {
    assert.equal(labelValue('team-a'), 'team-a');
    assert.match(labelValue(`-${'t'.repeat(100)} x-`), /^[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]$/);
  });
});
