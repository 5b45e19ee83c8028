const MB = 1024 * 1024;

/**
 * "1.50 MB": sizes as messages about a team's storage show them (MB of 1,048,576 bytes, two
 * decimals below 10 MB), in the gateway's refusals and in a job's reason alike.
 */
export function storageSize(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 2 : 1)} MB`;
}
