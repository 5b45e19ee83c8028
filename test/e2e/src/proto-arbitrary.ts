import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { PROTO_DIR } from './raw-rpc-client';

/** The gpulab.v1 protos as protobufjs types, to generate requests field by field. */
export function loadProtoRoot(protoDir = PROTO_DIR): protobuf.Root {
  const dir = join(protoDir, 'gpulab', 'v1');
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/') ? target : join(protoDir, target.startsWith('gpulab/') ? target : join('gpulab', 'v1', target)));
  root.loadSync(readdirSync(dir).filter((f) => f.endsWith('.proto')).map((f) => join('gpulab', 'v1', f)));
  root.resolveAll();
  return root;
}

/** Strings a careless or hostile caller sends: empty, huge, odd unicode, paths, ids of the right shape. */
const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '\u202e', '../../etc/passwd', '/etc/passwd', 'tutors', '2026-02-30', 'today', '-1', 'NaN', '1e309', '{}', 'art-aaaaaaaaaaaaaaaa', 'j-00000000000000000000000000', 's-1a2b3c4d5e', 'up-aaaaaaaaaaaaaaaa', 'pca', 'tsne', 'train-classifier', 'seed-example', 'mnist') },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
);

const nastyNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1, 2, 3, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, Number.MAX_SAFE_INTEGER),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308),
);

const INTEGER_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function scalar(type: string): fc.Arbitrary<unknown> {
  if (type === 'string') return nastyString;
  if (type === 'bool') return fc.boolean();
  if (type === 'bytes') return fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 300_000 }).map((n) => new Uint8Array(n)));
  if (INTEGER_TYPES.has(type)) return nastyNumber.map((n) => (Number.isFinite(n) ? Math.trunc(n) : 0));
  return nastyNumber;
}

/**
 * Requests of `type` as plain objects, nested `depth` levels at most: every field present or
 * not, enums known or unknown, repeated fields from empty to long, structs deep.
 */
export function messageArbitrary(type: protobuf.Type, depth = 4): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) {
    const one = fieldValue(field, depth);
    fields[field.name] = field.map
      ? fc.dictionary(fc.string({ maxLength: 20 }), one, { maxKeys: 5 })
      : field.repeated
        ? fc.oneof({ weight: 5, arbitrary: fc.array(one, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(small(field), { minLength: 100, maxLength: 2000 }) })
        : one;
  }
  return fc.record(fields, { requiredKeys: [] });
}

/** Cheap elements for long repeated fields: many of them, not big ones. */
function small(field: protobuf.Field): fc.Arbitrary<unknown> {
  if (field.resolvedType instanceof protobuf.Type) return fc.constant({});
  if (field.resolvedType instanceof protobuf.Enum) return fc.integer({ min: 0, max: 3 });
  if (field.type === 'string') return fc.string({ maxLength: 4 });
  return scalar(field.type);
}

function fieldValue(field: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    return fc.oneof(fc.constantFrom(...Object.values(resolved.values)), fc.integer({ min: -5, max: 1000 }));
  }
  if (resolved instanceof protobuf.Type) {
    if (depth <= 0) return fc.constant({});
    return messageArbitrary(resolved, depth - 1);
  }
  return scalar(field.type);
}

/** Encodes a generated request on the wire as the type says; undefined when protobuf itself cannot. */
export function encodeRequest(type: protobuf.Type, value: Record<string, unknown>): Buffer | undefined {
  try {
    return Buffer.from(type.encode(type.fromObject(value)).finish());
  } catch {
    return undefined;
  }
}
