// `npm run sandbox -- [--port N] [--seed small|demo|scale|empty] [--latency MS] [--faults SPEC] [--time-scale N] [--roles LIST]`
// Prints SANDBOX_URL, SANDBOX_GITLAB_TOKEN and SANDBOX_SETTINGS first (scripts parse them), then
// stays up until SIGINT/SIGTERM.
import { parseFaultSpec } from './faults';
import { OWNER, ROLE_PERMISSIONS } from './google/iam';
import { SEED_KINDS, type SeedKind } from './seeds';
import { startSandbox, type SandboxOptions } from './server';

const USAGE = `usage: npm run sandbox -- [--port N] [--seed small|demo|scale|empty] [--latency MS] [--faults SPEC] [--time-scale N] [--roles LIST]
  --port N         listen on 127.0.0.1:N (default: a free port)
  --seed KIND      small | demo | scale | empty (default: demo)
  --latency MS     add MS (simulated) milliseconds to every API response
  --faults SPEC    inject faults, e.g. 'gitlab:/api/v4/runners*=503@0.5,kms:*=reset' (grammar: test/sandbox/faults.ts)
  --time-scale N   simulated time runs N times faster than the wall clock (default: 1)
  --roles LIST     the Google caller's roles, comma-separated (default: roles/owner), e.g.
                   'roles/cloudkms.cryptoKeyEncrypterDecrypter,roles/storage.objectViewer' (test/sandbox/google/iam.ts)`;

class UsageError extends Error {}

function number(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n) || n < min)
    throw new UsageError(`${flag} needs a number >= ${min}, got ${value === undefined ? 'nothing' : `"${value}"`}`);
  return n;
}

export function parseArgs(argv: string[]): SandboxOptions {
  const options: SandboxOptions = { seed: 'demo', port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=')
      ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)]
      : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--port': {
        const port = number(flag, value(), 0);
        if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--port needs a whole number 0..65535`);
        options.port = port;
        break;
      }
      case '--seed': {
        const seed = value();
        if (!SEED_KINDS.includes(seed as SeedKind))
          throw new UsageError(`--seed must be one of ${SEED_KINDS.join(', ')}, got "${seed ?? ''}"`);
        options.seed = seed as SeedKind;
        break;
      }
      case '--roles': {
        const roles = (value() ?? '').split(',').filter(Boolean);
        const unknown = roles.filter((r) => r !== OWNER && !(r in ROLE_PERMISSIONS));
        if (!roles.length || unknown.length)
          throw new UsageError(
            `--roles takes ${[OWNER, ...Object.keys(ROLE_PERMISSIONS)].join(', ')}; got "${unknown.join(',')}"`,
          );
        options.roles = roles;
        break;
      }
      case '--latency':
        options.latencyMs = number(flag, value(), 0);
        break;
      case '--time-scale':
        options.timeScale = number(flag, value(), 0.001);
        break;
      case '--faults': {
        const spec = value();
        if (spec === undefined) throw new UsageError('--faults needs a spec');
        try {
          parseFaultSpec(spec);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        options.faults = spec;
        break;
      }
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown flag "${argv[i]}"`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: SandboxOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`sandbox: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const started = performance.now();
  const sandbox = await startSandbox(options);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `SANDBOX_URL=${sandbox.url}\nSANDBOX_GITLAB_TOKEN=${sandbox.gitlabToken}\nSANDBOX_SETTINGS=${JSON.stringify(sandbox.settings)}\n` +
      `Runner Ops sandbox (seed ${options.seed}) ready in ${ms} ms: GitLab at ${sandbox.url}/api/v4, Google APIs at ${sandbox.url}.\n` +
      `Other tokens: read_api ${sandbox.tokens.readOnly}, developer ${sandbox.tokens.user}, revoked ${sandbox.tokens.revoked}. Ctrl+C to stop.\n`,
  );
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30); // the world's tick is unref'd; this keeps the process up
}

if (require.main === module) void main();
