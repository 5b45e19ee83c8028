import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gpuName, parseNvidiaSmiNames, UNKNOWN_GPU } from './gpu-name';

describe("a tensorflow-gpu row's device name", () => {
  it("takes nvidia-smi's one name, trimmed", () => {
    assert.equal(parseNvidiaSmiNames('NVIDIA H200\n'), 'NVIDIA H200');
    assert.equal(parseNvidiaSmiNames('  Tesla P100-PCIE-16GB \r\n'), 'Tesla P100-PCIE-16GB');
  });

  it('counts a machine of identical GPUs and lists different ones', () => {
    assert.equal(parseNvidiaSmiNames('Tesla K80\nTesla K80\n'), '2 × Tesla K80');
    assert.equal(parseNvidiaSmiNames('Tesla K80\nTesla P100-PCIE-16GB\nTesla K80\n'), '2 × Tesla K80, Tesla P100-PCIE-16GB');
  });

  it('finds no name in empty output or in the driver saying it found no device', () => {
    assert.equal(parseNvidiaSmiNames(''), undefined);
    assert.equal(parseNvidiaSmiNames('No devices were found\n'), undefined);
  });

  it("takes nvidia-smi's name, and says the name is unknown where nvidia-smi is missing or finds no GPU", () => {
    const smi = (stdout: string | undefined) => () => stdout;
    assert.equal(gpuName(smi('NVIDIA H200\n')), 'NVIDIA H200');
    assert.equal(gpuName(smi(undefined)), UNKNOWN_GPU);
    assert.equal(gpuName(smi('No devices were found')), 'GPU (name unknown)');
  });

  it('asks nvidia-smi for the names alone, without a header', () => {
    const asked: string[][] = [];
    gpuName((command, args) => void asked.push([command, ...args]));
    assert.deepEqual(asked, [['nvidia-smi', '--query-gpu=name', '--format=csv,noheader']]);
  });
});
