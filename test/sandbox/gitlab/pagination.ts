// Offset pagination exactly like GitLab's API: page/per_page, x-* headers and a Link header with
// absolute URLs, so clients (gitbeaker) can walk pages by rel="next".
import { json, type SandboxRequest, type SandboxResponse } from '../http';

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;
/** Above this many rows GitLab stops counting: no x-total, x-total-pages or rel="last". */
const COUNT_LIMIT = 10_000;

function positiveInt(value: string | null, fallback: number): number {
  const n = value === null ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function paginate<T>(
  req: SandboxRequest,
  baseUrl: string,
  rows: T[],
  render: (row: T) => unknown,
): SandboxResponse {
  const perPage = Math.min(positiveInt(req.url.searchParams.get('per_page'), DEFAULT_PER_PAGE), MAX_PER_PAGE);
  const page = positiveInt(req.url.searchParams.get('page'), 1);
  const total = rows.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const slice = rows.slice((page - 1) * perPage, page * perPage);
  const counted = total <= COUNT_LIMIT;

  const pageUrl = (n: number) => {
    const url = new URL(req.url.pathname + req.url.search, baseUrl);
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(perPage));
    return url.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
  if (page < totalPages) links.push(`<${pageUrl(page + 1)}>; rel="next"`);
  links.push(`<${pageUrl(1)}>; rel="first"`);
  if (counted) links.push(`<${pageUrl(totalPages)}>; rel="last"`);

  const headers: Record<string, string> = {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': page < totalPages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    link: links.join(', '),
  };
  if (counted) {
    headers['x-total'] = String(total);
    headers['x-total-pages'] = String(totalPages);
  }
  return json(200, slice.map(render), headers);
}
