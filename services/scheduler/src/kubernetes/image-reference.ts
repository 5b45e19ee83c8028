/**
 * A container image reference as the registries' distribution spec has it: an optional
 * registry host (with port), a lowercase path, an optional tag, an optional digest. A reference
 * outside it would only fail later, as `InvalidImageName` in a pod that never starts.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** Whether `text` is an image reference a container runtime can pull (`REGISTRY/IMAGE:TAG`). */
export function isImageReference(text: string): boolean {
  return text.length <= 255 && IMAGE_REFERENCE.test(text);
}
