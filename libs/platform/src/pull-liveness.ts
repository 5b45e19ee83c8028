/**
 * How long a pull request of a consumer's `consume()` lasts, in ms; the server's idle heartbeat
 * is half of it. A pull lives on the consumer's leader: when that server is lost (a NATS cluster
 * node killed) the pull is lost with it, and the client notices only after two missed heartbeats
 * and pulls again from the new leader. The client's 30 s default would leave the scheduler deaf
 * to the workers' reports for up to a minute; at 4 s a lost pull is replaced within about 4 s,
 * for one small request every 4 s per consumer while it is idle.
 */
export const PULL_EXPIRES_MS = 4_000;
