/** A checkpoint store in memory, as a job's context provides one in the Object Store. */
export function memoryCheckpoints(): { load(): Promise<Uint8Array | undefined>; save(bytes: Uint8Array): Promise<void>; saved: Uint8Array[] } {
  const saved: Uint8Array[] = [];
  return {
    saved,
    load: async () => saved.at(-1),
    save: async (bytes) => void saved.push(bytes.slice()),
  };
}
