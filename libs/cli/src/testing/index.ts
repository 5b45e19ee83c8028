/** For tests that run `gpulab` command lines in-process and read what they printed. */
export { capturedContext } from './captured-context';
