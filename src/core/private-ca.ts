// runnerOps.gitlab.caFile: the PEM file of a private certificate authority GitLab's certificate
// chains to. It adds trust; TLS verification itself is never turned off. A CA file named by the
// workspace (a cloned repository's .vscode/settings.json) would let whoever controls that CA read
// the token on its way, so it is used only after the user allowed that file for that workspace.
import { X509Certificate } from 'node:crypto';
import { isAbsolute } from 'node:path';

const SETTING = 'runnerOps.gitlab.caFile';

/** The layers of `inspect('gitlab.caFile')` that matter here. */
export interface CaFileLayers {
  globalValue?: string;
  workspaceValue?: string;
  workspaceFolderValue?: string;
}

export interface CaFileChoice {
  /** The CA file to trust (the user's, or the workspace's once allowed); undefined: the usual trust store only. */
  file?: string;
  /** A workspace's CA file that is not used until the user allows it. */
  awaitingConsent?: string;
}

/** Which CA file to trust. `allowed(file)`: whether the user allowed this workspace's file. */
export function chooseCaFile(layers: CaFileLayers, allowed: (file: string) => boolean): CaFileChoice {
  const user = clean(layers.globalValue);
  const workspace = clean(layers.workspaceFolderValue ?? layers.workspaceValue);
  if (layers.workspaceFolderValue === undefined && layers.workspaceValue === undefined) return { file: user };
  // The workspace repeating the user's own file (or clearing it) trusts nothing new.
  if (workspace === undefined || workspace === user || allowed(workspace)) return { file: workspace };
  return { file: user, awaitingConsent: workspace };
}

/** The key the user's consent for a workspace's CA file is kept under (beside the hosts' token consents). */
export const caConsentKey = (file: string) => `caFile:${file}`;

/** The question a user answers before a workspace's CA file is trusted. */
export function caConsentQuestion(file: string, host: string): string {
  return `This workspace's settings tell Runner Ops to trust the certificate authority in ${file} for ${host}. Whoever holds that authority's key could read your GitLab token on its way. Trust it? Only do this if you trust this workspace and know this file.`;
}

/** What is wrong with the setting's value as a path; undefined when it is fine (or empty: no CA file). */
export function caFilePathProblem(input: string): string | undefined {
  const path = input.trim();
  if (!path) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    return `${SETTING} is a URL ("${path.slice(0, 80)}"); give the path of a PEM file on this machine, e.g. /etc/ssl/certs/my-ca.pem.`;
  if (!isAbsolute(path) && !path.startsWith('~/'))
    return `${SETTING} is the relative path "${path.slice(0, 80)}"; give an absolute path (or one starting with ~/), e.g. /etc/ssl/certs/my-ca.pem.`;
  return undefined;
}

const clean = (value: string | undefined) => value?.trim() || undefined;

/** `~/x` -> `<home>/x`; other paths unchanged. */
export function expandHome(path: string, home: string): string {
  const trimmed = path.trim();
  return trimmed.startsWith('~/') ? `${home.replace(/\/+$/, '')}/${trimmed.slice(2)}` : trimmed;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The PEM certificates in a CA file's text, or the sentence that says why there are none usable. */
export function readCaPem(text: string, file: string, now: Date): { certificates: string[] } | { problem: string } {
  const said = (what: string) => ({ problem: `${SETTING}: ${file} ${what}` });
  if (!text.trim())
    return said('is empty. Put the PEM certificate of your GitLab server’s certificate authority in it.');
  const certificates = text.match(CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
      return said(
        'holds a private key, not a certificate. Give the certificate authority’s certificate (never a key).',
      );
    if (/-----BEGIN CERTIFICATE REQUEST-----/.test(text))
      return said('holds a certificate request, not a certificate. Give the certificate authority’s certificate.');
    if (/-----BEGIN CERTIFICATE-----/.test(text))
      return said('has a certificate that is cut off (no "-----END CERTIFICATE-----" line).');
    if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text))
      return said('is not PEM text (a binary DER file?). Convert it: openssl x509 -inform der -in ca.der -out ca.pem.');
    return said('holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block).');
  }
  let lastValid = 0;
  for (const [index, pem] of certificates.entries()) {
    try {
      lastValid = Math.max(lastValid, Date.parse(new X509Certificate(pem).validTo));
    } catch {
      return said(`has a certificate block (number ${index + 1}) that is not a valid certificate.`);
    }
  }
  // A bundle may carry some expired authorities beside live ones; only a file of dead ones is refused.
  if (lastValid < now.getTime())
    return said(
      `holds only expired certificates (the last one expired on ${new Date(lastValid).toISOString().slice(0, 10)}).`,
    );
  return { certificates };
}
