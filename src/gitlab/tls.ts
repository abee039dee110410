// Trusting a private certificate authority for GitLab over HTTPS (runnerOps.gitlab.caFile), with
// verification always on. Requests go through the global fetch: in VS Code's extension host that
// fetch is patched to add the operating system's certificates (http.systemCertificates), and when
// a request carries a dispatcher with `connect.ca` it uses that CA (still through the proxy
// settings). So a CA in the system's trust store needs nothing here; a CA file replaces the
// system store with Node's public roots plus the file's certificates.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { Failure } from '../core/failures';
import { caFilePathProblem, expandHome, readCaPem } from '../core/private-ca';
import { loadUndici } from '../lazy';

/** The CA file for one adapter: read on first use (again after a failure, so a fixed file is picked up). */
export class PrivateCa {
  private agent?: Promise<Dispatcher>;

  constructor(readonly file: string) {}

  /** The dispatcher for a request to `url`; undefined over plain http. Throws a Failure that names a bad file. */
  async dispatcherFor(url: URL): Promise<Dispatcher | undefined> {
    if (url.protocol !== 'https:') return undefined;
    this.agent ??= this.load().catch((error: unknown) => {
      this.agent = undefined;
      throw error;
    });
    return this.agent;
  }

  private async load(): Promise<Dispatcher> {
    const shapeProblem = caFilePathProblem(this.file);
    if (shapeProblem) throw caFailure(shapeProblem);
    const path = expandHome(this.file, homedir());
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw caFailure(`runnerOps.gitlab.caFile: ${this.file} ${unreadable((error as { code?: string }).code)}`);
    }
    const read = readCaPem(text, this.file, new Date());
    if ('problem' in read) throw caFailure(read.problem);
    const { Agent } = await loadUndici();
    return new Agent({ connect: { ca: [...rootCertificates, ...read.certificates] } });
  }
}

export type { Dispatcher };

/** fetch's options carrying the dispatcher (undici's own types and Node's differ only on paper). */
export const withDispatcher = (dispatcher: Dispatcher | undefined): RequestInit =>
  dispatcher ? ({ dispatcher } as unknown as RequestInit) : {};

/** undefined when no CA file is set. */
export const privateCa = (file: string | undefined) => (file?.trim() ? new PrivateCa(file.trim()) : undefined);

function unreadable(code: string | undefined): string {
  if (code === 'ENOENT')
    return 'does not exist. Point the setting at the PEM file of your GitLab’s certificate authority.';
  if (code === 'EISDIR') return 'is a folder; point the setting at the PEM file itself.';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied).';
  return `cannot be read${code ? ` (${code})` : ''}.`;
}

const caFailure = (message: string) => new Failure({ source: 'gitlab', kind: 'invalid', message });

// OpenSSL's verification errors (node's err.code), as the fetch failure's cause carries them.
const CERTIFICATE_CODES =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_\w+|\w*SELF_SIGNED\w*|CERT_\w+|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH)$/;

/** The verification error behind a failed request (code and OpenSSL's words), if that is what failed. */
export function certificateProblem(error: unknown): { code: string; reason: string } | undefined {
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
  ) {
    if (typeof e.code === 'string' && CERTIFICATE_CODES.test(e.code))
      return { code: e.code, reason: typeof e.message === 'string' ? e.message : '' };
    e = e.cause as typeof e;
    depth += 1;
  }
  return undefined;
}

/** What the operator reads when GitLab's certificate is not trusted: the problem and both ways to fix it. */
export function certificateFailure(host: string, problem: { code: string; reason: string }, caFile?: string): Failure {
  const trust = caFile
    ? `the certificate authority in ${caFile} (runnerOps.gitlab.caFile) and the public ones`
    : 'the public certificate authorities or the system’s trust store';
  return new Failure({
    source: 'gitlab',
    kind: 'network',
    permanent: true,
    message:
      `GitLab at ${host} presented a certificate that is not trusted (${problem.code}: ${problem.reason}): it does not chain to ${trust}. ` +
      `If your GitLab uses a private certificate authority, set runnerOps.gitlab.caFile to its PEM file (one set by a workspace is used once you allow it), or add it to the system's trust store (VS Code's http.systemCertificates). Runner Ops never turns certificate checks off.`,
  });
}
