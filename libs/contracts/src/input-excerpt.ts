/**
 * User input quoted in an error or a log line is cut to a short excerpt: a message that echoed a
 * 68 KB header row whole would not fit a gRPC status trailer (HTTP/2 limits its headers), so
 * the client would never get the status, and every such request would grow the logs by as much.
 */

/** Characters of an input kept in a message. */
export const INPUT_EXCERPT_CHARS = 80;

/** The largest status message the gateway sends: far below HTTP/2's header limits (8–16 KB). */
export const MAX_STATUS_MESSAGE_CHARS = 1024;

/**
 * `value` quoted for a message: JSON-quoted (so spaces, quotes and control characters show),
 * and when longer than `max` characters, its first ones followed by "…" and the full length,
 * e.g. `"abc…" (68,211 characters)`. Not a string: its JSON text, cut the same way.
 */
export function quoteInput(value: unknown, max = INPUT_EXCERPT_CHARS): string {
  const text = typeof value === 'string' ? value : safeJson(value);
  if (text.length <= max) return typeof value === 'string' ? JSON.stringify(text) : text;
  const cut = cutAt(text, max);
  const quoted = typeof value === 'string' ? `${JSON.stringify(cut + '…')}` : `${cut}…`;
  return `${quoted} (${text.length.toLocaleString('en-US')} characters)`;
}

/**
 * `text` as is when short; else its first `max` characters, "…" and the length, unquoted: for
 * text that a message shows bare, such as a file name or a list of header cells.
 */
export function excerpt(text: string, max = INPUT_EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  return `${cutAt(text, max)}… (${text.length.toLocaleString('en-US')} characters)`;
}

/**
 * The last line of defence for a message that goes to a client or a log: at most `max`
 * characters, its end replaced by a note of how much was cut.
 */
export function boundedMessage(message: string, max = MAX_STATUS_MESSAGE_CHARS): string {
  if (message.length <= max) return message;
  const note = ` … (message cut: ${message.length.toLocaleString('en-US')} characters)`;
  return cutAt(message, Math.max(0, max - note.length)) + note;
}

/** The first `max` UTF-16 units, without splitting a surrogate pair. */
function cutAt(text: string, max: number): string {
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
