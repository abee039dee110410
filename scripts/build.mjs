// Bundles the extension with esbuild. Activation parses only dist/extension.js, a few kilobytes
// that register the views and commands; the body (dist/main.js) is required on first use, and
// each adapter that pulls in a client library is its own bundle, required on first use too
// (src/lazy.ts).
// Also bundles the integration suite (out/integration/index.js) for the real-VS-Code runner.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { releasedDeadlines } from './gax-deadline.mjs';
import { pruneKmsProtos, pruneProtos } from './prune-protos.mjs';

const require = createRequire(import.meta.url);

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * The require specifiers in src/lazy.ts -> the bundle that serves them, as lazy.ts names them
 * (`load('gitlab', () => require('./gitlab/index'))`): it is the one place that says so.
 */
const lazyBundles = Object.fromEntries(
  [...readFileSync('src/lazy.ts', 'utf8').matchAll(/load\(\s*'([\w-]+)',\s*\(\)\s*=>\s*require\('([^']+)'\)/g)].map(
    ([, bundle, spec]) => [spec, bundle],
  ),
);
if (Object.keys(lazyBundles).length < 5) throw new Error('scripts/build.mjs: cannot read the bundles of src/lazy.ts');

/**
 * The Compute methods the adapters call, per service, as src/gcp/compute-methods.ts declares them
 * (its clients are typed to that list): the descriptor keeps those alone.
 */
const computeMethods = Object.fromEntries(
  Object.entries(
    new Function(
      `return ${/COMPUTE_METHODS = (\{[\s\S]*?\}) as const;/.exec(readFileSync('src/gcp/compute-methods.ts', 'utf8'))?.[1]}`,
    )(),
  ).map(([service, methods]) => [`google.cloud.compute.v1.${service}`, methods]),
);
const computeServices = Object.keys(computeMethods);
if (computeServices.length < 4) throw new Error('scripts/build.mjs: cannot read src/gcp/compute-methods.ts');

// Compute's per-service clients all require ../../protos/protos.json (all of Compute Engine);
// hand them a descriptor pruned to the services above.
const prunedComputeProtos = {
  name: 'pruned-compute-protos',
  setup(build) {
    let pruned;
    build.onLoad({ filter: /@google-cloud[\\/]compute[\\/]build[\\/]protos[\\/]protos\.json$/ }, (args) => {
      pruned ??= JSON.stringify(pruneProtos(args.path, computeServices, computeMethods));
      return { contents: pruned, loader: 'json' };
    });
  },
};

// KMS's client likewise gets KeyManagementService with the methods src/gcp/kms-client.ts lists,
// and what it looks up by name (pruneKmsProtos).
const kmsMethods = new Function(
  `return ${/KMS_METHODS = (\[[\s\S]*?\]) as const;/.exec(readFileSync('src/gcp/kms-client.ts', 'utf8'))?.[1]}`,
)();
if (!(kmsMethods?.length > 3)) throw new Error('scripts/build.mjs: cannot read src/gcp/kms-client.ts');
const prunedKmsProtos = {
  name: 'pruned-kms-protos',
  setup(build) {
    let pruned;
    build.onLoad({ filter: /@google-cloud[\\/]kms[\\/]build[\\/]protos[\\/]protos\.json$/ }, (args) => {
      pruned ??= JSON.stringify(pruneKmsProtos(args.path, kmsMethods));
      return { contents: pruned, loader: 'json' };
    });
  },
};

// node-fetch 2 (under gaxios) requires whatwg-url, and so tr46's 250 KB table, only for a URL
// class Node has built in.
const builtInUrl = {
  name: 'built-in-url',
  setup(build) {
    build.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'built-in-url' }));
    build.onLoad({ filter: /.*/, namespace: 'built-in-url' }, () => ({
      contents: "module.exports = { URL: require('node:url').URL };",
      loader: 'js',
    }));
  },
};

// The runner-log tail (dist/gcp-logging.js) calls one REST method of one generated client. Its
// own bundle: the client's descriptor pruned to LoggingServiceV2, and gax's REST half only
// (src/gcp/logging.ts hands the client google-gax/fallback; the client's top-level
// require('google-gax') is answered with the same, plus the two helpers it takes from the index),
// so neither gRPC nor a second gax and auth library is bundled. gax's static descriptors for
// IAM, locations and long-running operations are left out: LoggingServiceV2 has none of those.
const loggingServices = ['google.logging.v2.LoggingServiceV2'];
// gax's static modules for IAM, locations and long-running operations (500 KB minified): exported
// by its index, read by no call Runner Ops makes (the clients' mixins use the .json descriptors;
// only KMS's check*Progress helpers, never called, use operationsProtos).
const unusedGaxProtos = /google-gax[\\/]build[\\/]protos[\\/](iam_service|locations|operations)\.js$/;
const gaxDir = dirname(dirname(dirname(require.resolve('google-gax'))));
const restOnlyLogging = {
  name: 'rest-only-logging',
  setup(build) {
    build.onResolve({ filter: /^google-gax$/ }, (args) =>
      /@google-cloud[\\/]logging-api[\\/]/.test(args.importer)
        ? { path: 'google-gax', namespace: 'gax-rest' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'gax-rest' }, () => ({
      resolveDir: gaxDir,
      loader: 'js',
      contents: `module.exports = {
        ...require('./build/src/fallback.js'),
        loggingUtils: require('google-logging-utils'),
        decodeAnyProtosInArray: require('./build/src/util.js').decodeAnyProtosInArray,
      };`,
    }));
    build.onLoad({ filter: unusedGaxProtos }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    let pruned;
    build.onLoad({ filter: /@google-cloud[\\/]logging-api[\\/]build[\\/]protos[\\/]protos\.json$/ }, (args) => {
      pruned ??= JSON.stringify(pruneProtos(args.path, loggingServices));
      return { contents: pruned, loader: 'json' };
    });
  },
};

// gax's REST half and the auth library load once, in dist/gcp-core.js, and the Compute and
// Storage/KMS bundles share it (both clients run over REST, so gRPC is never bundled): every `google-gax` require in those bundles
// (the generated clients choose its `.fallback`) and every require of the hoisted
// google-auth-library is answered from there. Storage's own, older auth library stays in its bundle.
const hoistedAuth = dirname(require.resolve('google-auth-library/package.json'));
const sharedGoogleCore = {
  name: 'shared-google-core',
  setup(build) {
    build.onResolve({ filter: /^\.\/gcp-core\.js$/ }, (args) => ({ path: args.path, external: true }));
    build.onResolve({ filter: /^google-(gax|auth-library)($|\/)/ }, async (args) => {
      if (args.pluginData?.sharedCore) return undefined;
      if (args.path.startsWith('google-gax')) {
        if (
          args.path !== 'google-gax' &&
          args.path !== 'google-gax/fallback' &&
          args.path !== 'google-gax/build/src/fallback'
        )
          throw new Error(`${args.importer} requires ${args.path}: add it to gcp-core.js (scripts/build.mjs)`);
        return { path: 'gax', namespace: 'google-core' };
      }
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { sharedCore: true },
      });
      return resolved.path.startsWith(hoistedAuth + '/') ? { path: 'auth', namespace: 'google-core' } : resolved;
    });
    build.onLoad({ filter: /.*/, namespace: 'google-core' }, (args) => ({
      contents: `module.exports = require('./gcp-core.js').${args.path};`,
      loader: 'js',
    }));
  },
};

/** The body, required by src/extension.ts on first use. */
const bodyBundle = { './main': 'main' };

// Every `import * as vscode from 'vscode'` of an external module becomes its own __toESM copy of
// the API object's hundreds of properties: 46 copies, 15-44 ms of the extension host's thread
// when main.js loads (docs/benchmarks.md). One module in the bundle re-exports the API once;
// every import shares its namespace.
const vscodeOnce = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-once'
        ? { path: 'vscode', external: true }
        : { path: 'vscode', namespace: 'vscode-once' },
    );
    build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({
      contents: "export * from 'vscode';",
      loader: 'js',
    }));
  },
};

const lazyPlugin = {
  name: 'lazy-adapters',
  setup(build) {
    const filter = new RegExp(
      `^(${Object.keys(lazyBundles)
        .map((k) => k.replace(/[./]/g, '\\$&'))
        .join('|')})$`,
    );
    build.onResolve({ filter }, (args) => {
      if (!args.importer.endsWith('src/lazy.ts')) return undefined;
      return { path: `./${lazyBundles[args.path]}.js`, external: true };
    });
    build.onResolve({ filter: /^\.\/main$/ }, (args) => {
      if (!args.importer.endsWith('src/extension.ts')) return undefined;
      return { path: `./${bodyBundle[args.path]}.js`, external: true };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  // Google's serializers test `constructor.name === 'Long'`: minified names broke every KMS call.
  keepNames: true,
  logLevel: 'warning',
  external: ['vscode'],
};

// Activation's bundle imports the API by name (a plain require, nothing copied): one copy of its
// hundreds of properties took about a millisecond, on the path VS Code waits for.
const activation = {
  ...common,
  entryPoints: { extension: 'src/extension.ts' },
  outdir: 'dist',
  plugins: [lazyPlugin],
};

const extension = {
  ...common,
  entryPoints: {
    main: 'src/main.ts',
    ...Object.fromEntries(
      Object.entries(lazyBundles)
        .filter(([, name]) => !['gcp-logging', 'gcp-compute', 'gcp-secrets'].includes(name))
        .map(([spec, name]) => [name, `src/${spec.slice(2)}.ts`]),
    ),
  },
  outdir: 'dist',
  plugins: [vscodeOnce, lazyPlugin, prunedComputeProtos, prunedKmsProtos, builtInUrl],
};

// Bundles that share dist/gcp-core.js; the core itself is built on its own (it must not redirect to itself).
const googleClients = {
  ...common,
  entryPoints: { 'gcp-compute': 'src/gcp/compute-bundle.ts', 'gcp-secrets': 'src/gcp/secrets-bundle.ts' },
  outdir: 'dist',
  plugins: [sharedGoogleCore, prunedComputeProtos, prunedKmsProtos, builtInUrl],
};

// What the generated clients take from require('google-gax') (they choose its `.fallback`), and
// the auth library.
const googleCoreEntry = {
  name: 'google-core-entry',
  setup(build) {
    build.onResolve({ filter: /^google-core-entry$/ }, () => ({ path: 'entry', namespace: 'google-core-entry' }));
    build.onLoad({ filter: /.*/, namespace: 'google-core-entry' }, () => ({
      resolveDir: gaxDir,
      loader: 'js',
      contents: `const fallback = require('./build/src/fallback.js');
        exports.gax = {
          ...fallback,
          loggingUtils: require('google-logging-utils'),
          decodeAnyProtosInArray: require('./build/src/util.js').decodeAnyProtosInArray,
        };
        exports.auth = require('google-auth-library');`,
    }));
  },
};

const googleCore = {
  ...common,
  entryPoints: { 'gcp-core': 'google-core-entry' },
  outdir: 'dist',
  plugins: [
    googleCoreEntry,
    builtInUrl,
    releasedDeadlines,
    {
      name: 'unused-gax-protos',
      setup: (build) =>
        build.onLoad({ filter: unusedGaxProtos }, () => ({ contents: 'module.exports = {};', loader: 'js' })),
    },
  ],
};

const logging = {
  ...common,
  entryPoints: { 'gcp-logging': 'src/gcp/logging.ts' },
  outdir: 'dist',
  plugins: [restOnlyLogging, releasedDeadlines],
};

const integration = {
  ...common,
  entryPoints: { index: 'test/integration/index.ts' },
  outdir: 'out/integration',
  external: ['vscode', 'mocha'],
  sourcemap: 'inline',
};

const builds = [activation, extension, googleClients, googleCore, logging, ...(production ? [] : [integration])];
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('watching src/ and test/integration/ …');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
