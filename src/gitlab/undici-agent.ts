// undici's Agent, its own bundle (dist/undici.js, src/lazy.ts): only a private CA needs it, and it
// would triple the size of dist/gitlab.js for everyone else.
export { Agent } from 'undici';
