import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dockerfileInput, type DockerfileInput, dockerfileProblems } from './dockerfile-check';
import { REPO_PATHS, REPO_ROOT } from './repo-paths';

const project = (): DockerfileInput => dockerfileInput(join(REPO_ROOT, REPO_PATHS.dockerfile), REPO_ROOT);

/** The project's Dockerfile with one edit, so each case differs from a good build in one way. */
function edited(edit: (text: string) => string): DockerfileInput {
  const input = project();
  const text = edit(input.text);
  assert.notEqual(text, input.text, 'the edit changed nothing');
  return { ...input, text };
}

describe('the images’ Dockerfile', () => {
  it('builds the four images multi-stage, as a non-root user, with OCI labels, production dependencies only and files the context holds', () => {
    assert.deepEqual(dockerfileProblems(project()), []);
  });

  it('names a COPY of a file that is not in the repository', () => {
    const problems = dockerfileProblems(edited((t) => t.replace('COPY proto/ proto/', 'COPY proto/ proto/\nCOPY certs/ca.pem /etc/')));
    assert.deepEqual(problems.filter((p) => p.includes('certs/ca.pem')), [`line ${lineOf(project().text, 'COPY proto/ proto/') + 1}: COPY certs/ca.pem: no such file in the repository`]);
  });

  it('names a COPY of a file that .dockerignore keeps out of the context', () => {
    const problems = dockerfileProblems(edited((t) => t.replace('COPY proto/ proto/', 'COPY proto/ proto/\nCOPY libs/contracts/dist/ libs/contracts/dist/')));
    assert.ok(problems.some((p) => /COPY libs\/contracts\/dist\/: excluded by \.dockerignore/.test(p)), problems.join('\n'));
  });

  it('names an image that runs as root', () => {
    const problems = dockerfileProblems(edited((t) => t.replace(/(COPY --from=scheduler-files \/runtime \/app\n)USER 1000:1000/, '$1USER root')));
    assert.deepEqual(problems, ['image "scheduler": USER root is root']);
  });

  it('names an image without its OCI labels', () => {
    const problems = dockerfileProblems(edited((t) => t.replace('org.opencontainers.image.title="gpulab-gateway" \\\n', '')));
    assert.deepEqual(problems, ['image "gateway": no org.opencontainers.image.title label']);
  });

  it('names an image whose files stage installs dev dependencies', () => {
    const problems = dockerfileProblems(edited((t) => t.replace('npm ci --omit=dev --no-audit --no-fund -w @gpulab/gateway', 'npm ci --no-audit --no-fund -w @gpulab/gateway')));
    assert.deepEqual(problems, ['image "gateway": stage "gateway-files" runs "npm ci --no-audit --no-fund -w @gpulab/gateway" without --omit=dev, so dev dependencies reach the image']);
  });

  it('names a build that is not multi-stage', () => {
    const single = { ...project(), text: 'FROM node:20-bookworm-slim AS gateway\nUSER 1000\n' };
    assert.ok(dockerfileProblems(single, ['gateway']).some((p) => p.startsWith('the build is not multi-stage')));
  });
});

function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}
