// gitbeaker picks a request's rate limiter by testing the endpoint against each of its ~20 route
// globs, compiling every glob again on every request (getMatchingRateLimiter): about 1 ms per
// request of the extension host's thread, 40 ms of a first render. Same choice, globs compiled
// once per service (its rateLimiters object), with the matcher gitbeaker itself uses.
import { generateRateLimiterFn, type RateLimiterFn, type RateLimiters } from '@gitbeaker/requester-utils';
import picomatch from 'picomatch-browser';

const compiled = new WeakMap<RateLimiters, Array<[glob: string, matches: (endpoint: string) => boolean]>>();

/** gitbeaker's getMatchingRateLimiter: the last glob in sort order that matches wins. */
export function matchingRateLimiter(endpoint: string, rateLimiters: RateLimiters = {}, method = 'GET'): RateLimiterFn {
  let globs = compiled.get(rateLimiters);
  if (!globs) {
    globs = Object.keys(rateLimiters)
      .sort()
      .reverse()
      .map((glob) => [glob, picomatch(glob)]);
    compiled.set(rateLimiters, globs);
  }
  const match = globs.find(([, matches]) => matches(endpoint))?.[0];
  const config = match === undefined ? undefined : rateLimiters[match];
  if (typeof config === 'function') return config;
  if (config && config.method?.toUpperCase() === method.toUpperCase()) return config.limit;
  // gitbeaker's own fallback, as it builds it.
  return generateRateLimiterFn(3000, 60);
}
