/** Checks a request body against the Kubernetes OpenAPI schema; the problems found, none when valid. */
export type SchemaValidator = (body: unknown) => string[];

export interface SchemaValidators {
  job: SchemaValidator;
  secret: SchemaValidator;
}

/**
 * The schemas of `kubernetes-models` (the API's OpenAPI definitions compiled to validators,
 * bundled in the package, so tests need no network). It is an ES module: loaded once, by
 * `import()`.
 */
export async function loadSchemaValidators(): Promise<SchemaValidators> {
  const { Job } = await import('kubernetes-models/batch/v1');
  const { Secret } = await import('kubernetes-models/v1');
  return {
    job: (body) => problems(() => new Job(body as ConstructorParameters<typeof Job>[0]).validate()),
    secret: (body) => problems(() => new Secret(body as ConstructorParameters<typeof Secret>[0]).validate()),
  };
}

function problems(validate: () => void): string[] {
  try {
    validate();
    return [];
  } catch (error) {
    return String((error as Error).message)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }
}
