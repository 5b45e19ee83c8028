const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** The index in B, KB, MB… of the largest unit that `bytes` has at least one of. */
export function byteUnit(bytes: number): number {
  let unit = 0;
  while (bytes >= 1024 ** (unit + 1) && unit < UNITS.length - 1) unit++;
  return unit;
}

/** `bytes` in the unit with index `unit`, e.g. to write several sizes on one line in one unit. */
export function formatBytesIn(bytes: number, unit: number): string {
  if (unit === 0) return `${Math.round(bytes)} B`;
  const value = bytes / 1024 ** unit;
  return `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** Sizes in binary units, as the storage limit counts them (1 MB = 1,048,576 bytes). */
export function formatBytes(bytes: number): string {
  return byteUnit(bytes) === 0 ? `${bytes} B` : formatBytesIn(bytes, byteUnit(bytes));
}
