// Prunes a Google client's protos.json to the services Runner Ops calls and the types they
// reach. The Compute descriptor is all of Compute Engine (12 MB, ~100 MB of heap once loaded);
// what we call needs a few hundred types. Used by scripts/build.mjs at bundle time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');

/**
 * Returns the JSON descriptor holding only `services` (full names) and every type they reach.
 * `methods`, when given, keeps only those methods of each service (camelCase, as the clients name
 * them: { 'google.cloud.compute.v1.Instances': ['list', …] }) and the types those reach.
 * `types`: full names of further types to keep, e.g. those a client looks up by name.
 */
export function pruneProtos(protosJsonPath, services, methods, types = []) {
  const full = JSON.parse(readFileSync(protosJsonPath, 'utf8'));
  const root = protobuf.Root.fromJSON(full);
  root.resolveAll();
  const keep = new Set();

  const visitType = (type) => {
    if (!type || keep.has(type.fullName)) return;
    keep.add(type.fullName);
    // A message that encloses a kept type is kept whole (its JSON carries its fields): so are its fields' types.
    for (let parent = type.parent; parent && parent !== root; parent = parent.parent)
      if (parent instanceof protobuf.Type) visitType(parent);
      else keep.add(parent.fullName);
    if (type instanceof protobuf.Type) {
      for (const field of type.fieldsArray) visitType(field.resolvedType);
      for (const nested of type.nestedArray) visitType(nested);
    }
  };
  /** Proto method names (PascalCase) kept per service full name; undefined: all of them. */
  const keptMethods = new Map();
  for (const name of services) {
    const service = root.lookupService(name);
    keep.add(service.fullName);
    for (let parent = service.parent; parent && parent !== root; parent = parent.parent) keep.add(parent.fullName);
    const wanted = methods?.[name]?.map((m) => m[0].toUpperCase() + m.slice(1));
    for (const m of wanted ?? []) if (!service.methods[m]) throw new Error(`pruneProtos: ${name} has no method ${m}`);
    if (wanted) keptMethods.set(service.fullName, new Set(wanted));
    for (const method of service.methodsArray) {
      if (wanted && !wanted.includes(method.name)) continue;
      visitType(method.resolvedRequestType);
      visitType(method.resolvedResponseType);
    }
  }

  for (const name of types) visitType(root.lookupType(name));

  const prune = (nestedJson, prefix) => {
    const out = {};
    for (const [name, def] of Object.entries(nestedJson)) {
      const fullName = `${prefix}.${name}`;
      if (!keep.has(fullName)) continue;
      let kept = def.nested ? { ...def, nested: prune(def.nested, fullName) } : def;
      const only = keptMethods.get(fullName);
      if (only && def.methods)
        kept = { ...kept, methods: Object.fromEntries(Object.entries(def.methods).filter(([m]) => only.has(m))) };
      out[name] = kept;
    }
    return out;
  };
  const pruned = { ...full, nested: prune(full.nested, '') };
  // Fail the build, not a user's first call, if a kept type refers to one that was dropped.
  protobuf.Root.fromJSON(pruned).resolveAll();
  return pruned;
}

/**
 * KMS's descriptor for the client: KeyManagementService with `methods`, and what the client looks
 * up by name: the long-running deletes' response and metadata types, and the Operations service
 * (its long-running operations client finds it in this root).
 */
export function pruneKmsProtos(protosJsonPath, methods) {
  const kms = 'google.cloud.kms.v1.KeyManagementService';
  return pruneProtos(protosJsonPath, [kms, 'google.longrunning.Operations'], { [kms]: methods }, [
    'google.protobuf.Empty',
    'google.cloud.kms.v1.DeleteCryptoKeyMetadata',
    'google.cloud.kms.v1.DeleteCryptoKeyVersionMetadata',
  ]);
}
