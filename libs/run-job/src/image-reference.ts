/**
 * Container image references as the distribution spec's grammar has them
 * (`[registry[:port]/]path[:tag][@sha256:digest]`), parsed here rather than by a library: the
 * grammar is a dozen lines and the npm ports of it are little used, and the refusal must say
 * which part is wrong. A reference outside it would only fail later, as `InvalidImageName` in a
 * pod that never starts.
 */

/** Longest reference accepted: the spec's 255 characters of name, a tag and a digest. */
export const MAX_IMAGE_REFERENCE_CHARS = 255 + 1 + 128 + 1 + 71;
/** The spec bounds the name (registry and path) to 255 characters. */
const MAX_NAME_CHARS = 255;

/** A registry host label: letters, digits, inner hyphens. */
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
/** A path component: lowercase letters and digits, separated by `.`, `_`, `__` or dashes. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A reference's parts; `registry` absent means Docker Hub. */
export interface ImageReference {
  registry?: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** The parts of `text`, or the sentence that says why it is not an image reference. */
export function parseImageReference(text: string): ImageReference | { problem: string } {
  if (text === '') return { problem: 'the image reference is empty' };
  if (text.length > MAX_IMAGE_REFERENCE_CHARS) return { problem: `the image reference has ${text.length} characters; at most ${MAX_IMAGE_REFERENCE_CHARS}` };
  if (/\s/.test(text)) return { problem: 'an image reference has no spaces' };
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const rest = at >= 0 ? text.slice(0, at) : text;
  if (digest !== undefined && !DIGEST.test(digest)) return { problem: `the digest "${digest.slice(0, 80)}" is not sha256: and 64 lowercase hex digits` };
  // A colon after the last slash starts the tag; one before it is the registry's port.
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : undefined;
  const name = colon > slash ? rest.slice(0, colon) : rest;
  if (tag !== undefined && !TAG.test(tag)) return { problem: `the tag "${tag.slice(0, 80)}" is not up to 128 letters, digits, _ . and - (not starting with . or -)` };
  if (name.length > MAX_NAME_CHARS) return { problem: `the image name has ${name.length} characters; at most ${MAX_NAME_CHARS}` };
  const components = name.split('/');
  // As Docker reads it: the first component is a registry only when it looks like a host.
  const first = components[0] ?? '';
  const registry = components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
  if (registry !== undefined) {
    components.shift();
    const [host, port, extra] = registry.split(':');
    if (extra !== undefined || !host?.split('.').every((label) => HOST_LABEL.test(label)) || (port !== undefined && !/^\d{1,5}$/.test(port))) {
      return { problem: `the registry "${registry.slice(0, 80)}" is not a host name with an optional :port` };
    }
  }
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      return { problem: component === '' ? 'the image path has an empty component (// or a / at an end)' : `"${component.slice(0, 80)}" in the image path is not lowercase letters and digits separated by . _ or -` };
    }
  }
  return { ...(registry !== undefined ? { registry } : {}), path: components.join('/'), ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Whether `text` is an image reference a container runtime can pull (`REGISTRY/IMAGE:TAG`). */
export function isImageReference(text: string): boolean {
  return !('problem' in parseImageReference(text));
}
