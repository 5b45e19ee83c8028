import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { Manifest } from './chart-render';
import { CUSTOM_RESOURCE_KINDS } from './manifest-schema';
import { REPO_ROOT } from './repo-paths';

/**
 * Fields the Kubernetes API does not have, as `path: no such field` for each: a typo the
 * OpenAPI schemas let through (they allow any extra property; only the API server's strict
 * field validation refuses it). The field lists come from `kubernetes-models`' type
 * declarations, generated from the same OpenAPI document as its validators, read with the
 * TypeScript checker so no list is written by hand.
 */
export function unknownFields(manifests: Manifest[]): string[] {
  const kinds = [...new Set(manifests.map(kindPath).filter((k) => !CUSTOM_RESOURCE_KINDS.includes(k)))].sort();
  const { checker, kindTypes } = kindChecker(kinds);
  const problems: string[] = [];
  for (const manifest of manifests) {
    const type = kindTypes.get(kindPath(manifest));
    if (type) walk(checker, manifest, type, `${manifest.kind} ${manifest.metadata.name}`, problems);
  }
  return problems;
}

function kindPath(m: Manifest): string {
  return `${m.apiVersion}/${m.kind}`;
}

const checkers = new Map<string, { checker: ts.TypeChecker; kindTypes: Map<string, ts.Type> }>();

/** A program over one generated file that names each kind's interface (`IDeployment` of `kubernetes-models/apps/v1`). */
function kindChecker(kinds: string[]): { checker: ts.TypeChecker; kindTypes: Map<string, ts.Type> } {
  // Building the program takes seconds; the same kinds are asked for again and again.
  const cached = checkers.get(kinds.join(' '));
  if (cached) return cached;
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'gpulab-kind-types');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `kinds-${process.pid}.ts`);
  const lines = kinds.map((k, i) => {
    const kind = k.slice(k.lastIndexOf('/') + 1);
    const apiVersion = k.slice(0, k.lastIndexOf('/'));
    return `export type K${i} = import('kubernetes-models/${apiVersion}').I${kind};`;
  });
  writeFileSync(file, lines.join('\n') + '\n');
  let program: ts.Program;
  try {
    program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: [] });
  } finally {
    // The program holds the file's text; nothing reads it from disk again.
    rmSync(file, { force: true });
  }
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const kindTypes = new Map<string, ts.Type>();
  source?.statements.forEach((statement, i) => {
    if (!ts.isTypeAliasDeclaration(statement)) return;
    const type = checker.getTypeAtLocation(statement.name);
    if (!(type.flags & ts.TypeFlags.Any)) kindTypes.set(kinds[i], type);
  });
  const missing = kinds.filter((k) => !kindTypes.has(k));
  if (missing.length > 0) throw new Error(`kubernetes-models declares no type for ${missing.join(', ')}`);
  checkers.set(kinds.join(' '), { checker, kindTypes });
  return { checker, kindTypes };
}

function walk(checker: ts.TypeChecker, value: unknown, declared: ts.Type, path: string, problems: string[]): void {
  if (value === null || typeof value !== 'object') return;
  let type = checker.getNonNullableType(declared);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  if (Array.isArray(value)) {
    const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
    if (element) value.forEach((item, i) => walk(checker, item, element, `${path}[${i}]`, problems));
    return;
  }
  if (type.isUnion()) {
    // IntOrString and the like: only an object member says which fields an object may have.
    const objects = type.types.filter((t) => t.flags & ts.TypeFlags.Object);
    if (objects.length !== 1) return;
    type = objects[0];
  }
  const anyKey = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  for (const [key, child] of Object.entries(value)) {
    const property = type.getProperty(key);
    if (property) walk(checker, child, checker.getTypeOfSymbol(property), `${path}.${key}`, problems);
    else if (anyKey) walk(checker, child, anyKey, `${path}.${key}`, problems);
    else problems.push(`${path}.${key}: no such field`);
  }
}
