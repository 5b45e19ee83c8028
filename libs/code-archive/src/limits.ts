/**
 * The bounds on a code archive, checked where it is packed, uploaded and unpacked: a job's code
 * is its scripts and small files, and an archive that unpacks to more than this (a data set
 * packed by mistake, a decompression bomb) belongs in an artifact of its own.
 */
export const CODE_ARCHIVE_LIMITS = {
  maxEntries: 20_000,
  /** The sum of the files' sizes once unpacked. */
  maxUnpackedBytes: 1024 * 1024 * 1024,
  /** A path inside the archive, in bytes. */
  maxPathBytes: 4096,
} as const;

/** What a code archive may hold at most; `CODE_ARCHIVE_LIMITS` unless a caller asks for less. */
export interface ArchiveLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
}

/** Left out of every code archive, at any depth: version control, installed packages, bytecode caches. */
export const ALWAYS_IGNORED: readonly string[] = ['.git/', 'node_modules/', '__pycache__/'];

/** The file, at the top of a packed directory, whose gitignore-style lines are left out too. */
export const IGNORE_FILE = '.gpulabignore';
