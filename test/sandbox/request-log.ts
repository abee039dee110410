// Every request the sandbox answered (or dropped), so tests can assert what reached the server.

export type ApiName = 'gitlab' | 'compute' | 'kms' | 'storage' | 'logging' | 'sandbox' | 'unknown';

export interface LoggedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  /** HTTP status sent; 0 when the connection was reset before any response. */
  status: number;
  /** Wall-clock milliseconds from request start to the end of the response. */
  ms: number;
  /** Simulated epoch milliseconds when the request arrived. */
  at: number;
  api: ApiName;
  /** Whether it carried a PRIVATE-TOKEN header (how the extension sends the GitLab token); never the token itself. */
  privateToken: boolean;
  /** The fault applied, if any (e.g. "503", "reset", "truncate", "slow:2000"). */
  fault?: string;
}

export function apiOf(pathname: string): ApiName {
  if (pathname.startsWith('/api/v4/') || pathname === '/api/v4') return 'gitlab';
  if (pathname.startsWith('/compute/')) return 'compute';
  if (pathname.startsWith('/v1/projects/')) return 'kms';
  if (
    pathname.startsWith('/storage/') ||
    pathname.startsWith('/upload/storage/') ||
    pathname.startsWith('/download/storage/')
  )
    return 'storage';
  if (pathname.startsWith('/v2/')) return 'logging';
  if (pathname.startsWith('/_sandbox/')) return 'sandbox';
  return 'unknown';
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  /** Entries dropped by clear(), so marks taken before a clear stay meaningful. */
  private offset = 0;

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
  }

  /** A position to pass to since(). */
  mark(): number {
    return this.offset + this.entries.length;
  }

  since(mark: number): LoggedRequest[] {
    return this.entries.slice(Math.max(0, mark - this.offset));
  }

  all(): LoggedRequest[] {
    return [...this.entries];
  }

  filter(predicate: (entry: LoggedRequest) => boolean): LoggedRequest[] {
    return this.entries.filter(predicate);
  }

  clear(): void {
    this.offset += this.entries.length;
    this.entries = [];
  }

  get size(): number {
    return this.entries.length;
  }
}
