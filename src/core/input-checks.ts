// What is wrong with a value the operator typed or pasted, in one sentence that names the
// problem and the fix; undefined when it is fine. Pure: settings, sign-in and commands call these
// before any request, so bad input never reaches a server (or an unexpected host).

/** GitLab token prefixes (docs.gitlab.com, "Token prefixes"), each with what it is and why it cannot sign in. */
const WRONG_TOKENS: ReadonlyArray<[prefix: string, what: string]> = [
  ['glrt-', 'a runner authentication token (it belongs in config.toml)'],
  ['GR1348941', 'a runner registration token'],
  ['gldt-', 'a deploy token (it can only clone and pull)'],
  ['glptt-', 'a pipeline trigger token'],
  ['glcbt-', 'a CI/CD job token'],
  ['glft-', 'a feed token'],
  ['glimt-', 'an incoming email token'],
  ['glagent-', 'an agent for Kubernetes token'],
  ['gloas-', 'an OAuth application secret'],
  ['glsoat-', 'a SCIM token'],
];

/** A token that cannot sign in, said before it is sent anywhere. */
export function gitlabTokenProblem(input: string): string | undefined {
  const token = input.trim();
  if (!token) return 'Paste a personal access token.';
  const wrong = WRONG_TOKENS.find(([prefix]) => token.startsWith(prefix));
  if (wrong)
    return `This is ${wrong[1]}, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).`;
  if (/^(Bearer|PRIVATE-TOKEN:?)\s/i.test(input.trim()))
    return 'Paste the token alone, without "Bearer" or a header name.';
  if (/\s/.test(token)) return 'The token contains spaces or line breaks: paste the token alone.';
  if (token.length < 20) return `The token is ${token.length} characters long; GitLab tokens are at least 20.`;
  return undefined;
}

/** runnerOps.gitlab.projects entries: a numeric id or a full path like group/project. */
export function projectRefProblem(ref: unknown): string | undefined {
  if (typeof ref === 'number') {
    return Number.isSafeInteger(ref) && ref > 0
      ? undefined
      : `Project id ${ref} is not a positive whole number. Use the id from the project's overview page, or its path (group/project).`;
  }
  if (typeof ref !== 'string')
    return `Project ${JSON.stringify(ref) ?? String(ref)} is neither an id nor a path. Use group/project or a number.`;
  const path = ref.trim();
  if (!path) return 'A project entry is empty. Use group/project or the numeric project id.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('git@'))
    return `"${path}" is an address; use the project's path (group/project), without the server.`;
  if (/^\d+$/.test(path)) return undefined; // an id given as text: GitLab takes it as is
  if (path.endsWith('.git')) return `"${path}" ends in .git; use the project's path without it.`;
  if (path.startsWith('/') || path.endsWith('/'))
    return `"${path}" has a leading or trailing slash; use group/project.`;
  if (!path.includes('/')) return `"${path}" has no group; use the full path, e.g. my-group/${path}.`;
  if (/\s/.test(path)) return `"${path}" contains spaces; project paths have none (use the path, not the name).`;
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..'))
    return `"${path}" has an empty, "." or ".." part; use group/project.`;
  if (!/^[\w.+-]+(\/[\w.+-]+)+$/.test(path))
    return `"${path}" has characters a project path cannot have; use the path from the project's URL.`;
  return undefined;
}

/** runnerOps.gcp.zones entries: a Compute Engine zone such as europe-west1-b. */
export function zoneProblem(input: string): string | undefined {
  const zone = input.trim();
  if (!zone) return 'A zone entry is empty; remove it or name a zone such as europe-west1-b.';
  if (zone !== zone.toLowerCase()) return `Zone "${zone}" has capitals; zones are lowercase, e.g. europe-west1-b.`;
  if (/^[a-z]+-[a-z]+\d+$/.test(zone)) return `"${zone}" is a region, not a zone; add the zone letter, e.g. ${zone}-b.`;
  if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone))
    return `"${zone}" is not a zone name; zones look like europe-west1-b (gcloud compute zones list).`;
  return undefined;
}

/** runnerOps.gcp.instanceFilter: Compute's list filter, checked for what Compute would refuse with a vague 400. */
export function instanceFilterProblem(input: string): string | undefined {
  const filter = input.trim();
  if (!filter) return undefined;
  if ((filter.match(/"/g) ?? []).length % 2 === 1) return `The instance filter has an unclosed quote: ${filter}`;
  let depth = 0;
  for (const c of filter.replace(/"[^"]*"/g, '')) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) return `The instance filter's parentheses do not match: ${filter}`;
  const outside = filter.replace(/"[^"]*"/g, '""');
  if (/&&|\|\|/.test(outside)) return 'The instance filter uses && or ||; Compute filters use AND and OR.';
  if (/==/.test(outside)) return 'The instance filter uses ==; Compute filters compare with = (or != , :).';
  if (/^(AND|OR)\b|\b(AND|OR)$/.test(outside)) return `The instance filter starts or ends with AND/OR: ${filter}`;
  return undefined;
}

/** runnerOps.gcp.endpoints values: an http(s) address of the API, without credentials. */
export function endpointProblem(service: string, input: string): string | undefined {
  const text = input.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `https://${text}`);
  } catch {
    return `runnerOps.gcp.endpoints.${service} "${text}" is not an address; use e.g. https://${service}.googleapis.com.`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `runnerOps.gcp.endpoints.${service} uses ${url.protocol}; use https:// (http:// only for a local emulator).`;
  if (url.username || url.password)
    return `runnerOps.gcp.endpoints.${service} carries a user or password; credentials come from runnerOps.gcp.credentials, never the address.`;
  if (url.search || url.hash)
    return `runnerOps.gcp.endpoints.${service} has a query or fragment; give the host (and port) only.`;
  return undefined;
}

/** runnerOps.secrets.bucket: a Cloud Storage bucket name (not a gs:// address). */
export function bucketNameProblem(input: string): string | undefined {
  const name = input.trim();
  if (!name) return undefined;
  if (name.startsWith('gs://'))
    return `"${name}" is an address; give the bucket name alone: ${name.slice(5).split('/')[0]}.`;
  if (name.includes('/'))
    return `"${name}" has a slash; give the bucket name alone and the folder in runnerOps.secrets.prefix.`;
  if (name.length < 3 || name.length > 63)
    return `Bucket name "${name}" is ${name.length} characters long; bucket names have 3 to 63.`;
  if (name !== name.toLowerCase()) return `Bucket name "${name}" has capitals; bucket names are lowercase.`;
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name))
    return `Bucket name "${name}" may only have lowercase letters, digits, -, _ and ., and must start and end with a letter or digit.`;
  if (/^goog|google|\.\./.test(name))
    return `Bucket name "${name}" is not allowed (no "goog" prefix, "google" or "..").`;
  return undefined;
}

/** runnerOps.secrets.kmsKey: the full resource name of a key (not of a key version). */
export function kmsKeyNameProblem(input: string): string | undefined {
  const name = input.trim();
  if (!name) return undefined;
  if (/\/cryptoKeyVersions\//.test(name))
    return 'runnerOps.secrets.kmsKey names a key version; name the key (drop /cryptoKeyVersions/N): Runner Ops uses its primary version.';
  if (/^(gcp-kms|https?):\/\//.test(name))
    return 'runnerOps.secrets.kmsKey is an address; give the resource name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.';
  if (!/^projects\/[^/\s]+\/locations\/[^/\s]+\/keyRings\/[^/\s]+\/cryptoKeys\/[^/\s]+$/.test(name))
    return 'runnerOps.secrets.kmsKey must be a full key name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.';
  return undefined;
}
