/**
 * Why a path from a model's `weightsManifest` may not be read, or undefined when it may. The
 * manifest comes from a file the user may have been given, so its paths name only plain files
 * beside model.json: no `..`, no separator, no absolute path, which would let a manifest make
 * the CLI upload any file the user can read.
 */
export function weightsPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'is not a file name';
  if (path.length > 255) return `is ${path.length} characters long (at most 255)`;
  if (path === '.' || path.includes('..')) return 'leaves the model\'s folder ("..")';
  if (/[/\\]/.test(path)) return 'names another folder (a path separator)';
  if ([...path].some((c) => c.charCodeAt(0) < 0x20)) return 'holds control characters';
  return undefined;
}
