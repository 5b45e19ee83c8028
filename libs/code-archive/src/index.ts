export { ALWAYS_IGNORED, type ArchiveLimits, CODE_ARCHIVE_LIMITS, IGNORE_FILE } from './limits';
export { CodeArchiveError, type CodeArchiveErrorCode, CodeArchiveErrorCodes } from './errors';
export { type ArchiveEntry, checkEntry } from './entry-rules';
export { type CodeFile, listCodeFiles } from './code-files';
export { type PackedCode, packDirectory } from './pack-directory';
export { type ArchiveSource, type ArchiveSummary, inspectArchive } from './inspect-archive';
export { unpackArchive } from './unpack-archive';
