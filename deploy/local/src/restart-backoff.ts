/** The first restart's delay; each crash in a row doubles it. */
export const FIRST_RESTART_DELAY_MS = 500;
export const MAX_RESTART_DELAY_MS = 30_000;
/** A service up this long is healthy again: its next crash restarts it after the first delay. */
export const HEALTHY_AFTER_MS = 60_000;

/**
 * How long to wait before restarting a service that died, and how many crashes in a row that
 * makes: quick for a one-off crash, backing off for one that dies at every start (a broken
 * configuration) so that it neither spins the CPU nor floods its log.
 */
export function nextRestart(crashesInARow: number, upForMs: number): { delayMs: number; crashesInARow: number } {
  const crashes = upForMs >= HEALTHY_AFTER_MS ? 1 : crashesInARow + 1;
  return { delayMs: Math.min(FIRST_RESTART_DELAY_MS * 2 ** (crashes - 1), MAX_RESTART_DELAY_MS), crashesInARow: crashes };
}
