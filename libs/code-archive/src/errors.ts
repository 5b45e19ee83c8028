/** Why a code archive was refused. */
export const CodeArchiveErrorCodes = {
  /** An entry's path is absolute or leaves the directory (`../`). */
  escapingPath: 'ESCAPING_PATH',
  /** A link points outside the directory, or is absolute. */
  escapingLink: 'ESCAPING_LINK',
  /** A device, FIFO or other entry that is not a file, directory or link. */
  unsupportedEntry: 'UNSUPPORTED_ENTRY',
  /** More entries or unpacked bytes than `CODE_ARCHIVE_LIMITS` allows. */
  tooLarge: 'TOO_LARGE',
  /** Not a gzip-compressed tar archive, or cut short. */
  malformed: 'MALFORMED',
  /** The directory to pack is not one, or holds nothing to pack. */
  nothingToPack: 'NOTHING_TO_PACK',
  /** The directory to unpack into holds files already. */
  destinationNotEmpty: 'DESTINATION_NOT_EMPTY',
} as const;
export type CodeArchiveErrorCode = (typeof CodeArchiveErrorCodes)[keyof typeof CodeArchiveErrorCodes];

/**
 * A code archive that is refused: always the caller's to fix (never worth a retry), with the
 * entry it is about where there is one.
 */
export class CodeArchiveError extends Error {
  override readonly name = 'CodeArchiveError';
  readonly retryable = false;

  constructor(
    readonly code: CodeArchiveErrorCode,
    message: string,
    readonly entry?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
