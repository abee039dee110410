// An esbuild plugin for gax's REST transport (fallbackServiceStub.js): each call's deadline is
// armed with AbortSignal.timeout and a listener that shares the call's closure. Node keeps a
// timeout signal that has listeners alive until it fires, so every answer (a page of 500 VMs
// is about 8 MB) stayed reachable for the whole deadline, 20 s after it was read: two
// refreshes at the scale seed held 34 MB that nothing used (docs/benchmarks.md, session 5).
// Here the deadline is a timer of our own, cleared when the call settles. Same deadline, same
// TimeoutError, same handlers; only the retention goes.
import { readFile } from 'node:fs/promises';

const edits = [
  {
    // Settling the call (the callback) releases its deadline.
    from: 'serviceStub[rpcName] = (request, metadata, callOptions, callback) => {',
    to: `serviceStub[rpcName] = (request, metadata, callOptions, callback) => {
            let releaseDeadline = () => {};
            if (callback) {
                const settle = callback;
                callback = (...args) => {
                    releaseDeadline();
                    return settle(...args);
                };
            }`,
  },
  {
    from: 'const timeoutSignal = AbortSignal.timeout(timeoutMs);',
    to: `const deadline = new AbortController();
                const deadlineTimer = setTimeout(() => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
                deadlineTimer.unref?.();
                releaseDeadline = () => clearTimeout(deadlineTimer);
                const timeoutSignal = deadline.signal;`,
  },
];

export const releasedDeadlines = {
  name: 'gax-released-deadlines',
  setup(build) {
    build.onLoad({ filter: /google-gax[\\/]build[\\/]src[\\/]fallbackServiceStub\.js$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      for (const { from, to } of edits) {
        if (contents.split(from).length !== 2)
          throw new Error(`${args.path} changed: "${from}" is not there once; review scripts/gax-deadline.mjs`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};
