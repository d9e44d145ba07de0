/**
 * Read-only client of Unleash's admin API (URL + admin token, header `Authorization: <token>`): the event log through
 * `GET /api/admin/search/events` (offset/limit pages, bounded size) and the flag, project, tag and environment reads
 * the mirror needs. Every failure is an UnleashError with its code (see errors.ts).
 */
import { parseEventPage, type EventPage, type UnleashEvent } from './events.ts';
import { badUrl, httpError, protocolError, refused, timedOut, unreachable, UnleashError } from './errors.ts';
import {
  parseEnvironments,
  parseFeature,
  parseFeatureList,
  parseProjects,
  parseTags,
  type UnleashEnvironment,
  type UnleashFeature,
  type UnleashFeatureSummary,
  type UnleashTag,
} from './reads.ts';

/** Unleash caps a page of the event search at 1000 events. */
export const MAX_PAGE_SIZE = 1000;
/** Ids per re-read request (`id=IS_ANY_OF:…` keeps the URL short). */
export const MAX_IDS_PER_REQUEST = 100;
const MAX_BODY_CHARS = 64 * 1024 * 1024;

/** Where and as whom to read. */
export interface UnleashClientOptions {
  url: string;
  token: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Aborts every request in flight (the mirror stopping). */
  signal?: AbortSignal;
}

/** Checks and normalises a base URL (http or https, no credentials, query or fragment; no trailing slash). */
export function normalizeUnleashUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw badUrl(url, 'it does not parse as a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badUrl(url, `the scheme is ${u.protocol} not http(s)`);
  if (u.username !== '' || u.password !== '') throw badUrl(url, 'it carries credentials; pass the token separately');
  if (u.search !== '' || u.hash !== '') throw badUrl(url, 'it has a query or a fragment');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

function checkToken(token: string): void {
  if (token.length === 0 || token.length > 4096 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new UnleashError(
      'E_UNLEASH_AUTH',
      'The Unleash API token is empty or contains spaces or characters a token never has. Copy the admin API token ' +
        'from Unleash (Admin → API access) again.',
    );
  }
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  if (cause instanceof Error) return (cause as Error & { code?: string }).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The admin API client. */
export class UnleashClient {
  /** Normalised base URL. */
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;

  constructor(opts: UnleashClientOptions) {
    this.url = normalizeUnleashUrl(opts.url);
    checkToken(opts.token);
    this.#token = opts.token;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#fetch = opts.fetch ?? fetch;
    this.#signal = opts.signal;
  }

  #deadline(): AbortSignal {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    return this.#signal === undefined ? timeout : AbortSignal.any([timeout, this.#signal]);
  }

  /** GETs `path` (with `query`) and resolves to the parsed JSON body. */
  async getJson(path: string, query: Record<string, string> = {}): Promise<unknown> {
    const qs = new URLSearchParams(query).toString();
    const target = `${this.url}${path}${qs === '' ? '' : `?${qs}`}`;
    let res: Response;
    try {
      res = await this.#fetch(target, {
        headers: { authorization: this.#token, accept: 'application/json' },
        signal: this.#deadline(),
        redirect: 'manual',
      });
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') throw timedOut(this.url, path, this.#timeoutMs);
      throw unreachable(this.url, causeOf(err));
    }
    if (res.status >= 300 && res.status < 400) {
      throw protocolError(this.url, path, `a redirect to ${res.headers.get('location') ?? 'nowhere'}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw httpError(this.url, res.status, path);
    }
    return this.#parse(res, path);
  }

  /**
   * Sends one admin write (kill, rollback): `method` `path` with a JSON `body`; resolves to the parsed answer, or null
   * for an empty one. Errors are the same UnleashErrors as reads; a write is never retried here.
   */
  async write(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: this.#token,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.#deadline(),
        redirect: 'manual',
      });
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') throw timedOut(this.url, path, this.#timeoutMs);
      throw unreachable(this.url, causeOf(err));
    }
    if (res.status >= 300 && res.status < 400) {
      throw protocolError(this.url, path, `a redirect to ${res.headers.get('location') ?? 'nowhere'}`);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      if (res.status === 400 || res.status === 409 || res.status === 422) throw refused(this.url, method, path, text);
      throw httpError(this.url, res.status, path);
    }
    const text = await res.text();
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      throw protocolError(this.url, path, `not JSON: "${text.slice(0, 60).replace(/\s+/g, ' ')}"`);
    }
  }

  /** Newest events first, filtered by Unleash's search parameters (e.g. `{feature: 'IS:name'}`). */
  async searchFiltered(filters: Record<string, string>, limit: number): Promise<EventPage> {
    const path = '/api/admin/search/events';
    const body = await this.getJson(path, { ...filters, offset: '0', limit: String(Math.min(limit, MAX_PAGE_SIZE)) });
    return this.#check(path, parseEventPage(body));
  }

  async #parse(res: Response, path: string): Promise<unknown> {
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') throw timedOut(this.url, path, this.#timeoutMs);
      throw unreachable(this.url, causeOf(err));
    }
    if (text.length > MAX_BODY_CHARS) throw protocolError(this.url, path, 'an answer larger than 64 MiB');
    try {
      return JSON.parse(text);
    } catch {
      throw protocolError(this.url, path, `not JSON: "${text.slice(0, 60).replace(/\s+/g, ' ')}"`);
    }
  }

  #check<T>(path: string, parsed: T | string): T {
    if (typeof parsed === 'string') throw protocolError(this.url, path, parsed);
    return parsed;
  }

  /** One page of the event log, newest first: `limit` (1..1000) events after skipping `offset` newer ones. */
  async searchEvents(offset: number, limit: number): Promise<EventPage> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset ${offset} is not a count`);
    const size = Math.min(Math.max(Math.floor(limit), 1), MAX_PAGE_SIZE);
    const path = '/api/admin/search/events';
    const body = await this.getJson(path, { offset: String(offset), limit: String(size) });
    const page = this.#check(path, parseEventPage(body));
    if (page.events.length > size)
      throw protocolError(this.url, path, `${page.events.length} events for a page of ${size}`);
    return page;
  }

  /** The events with these ids that Unleash still has (any order; missing ids are simply absent). */
  async eventsById(ids: readonly number[]): Promise<UnleashEvent[]> {
    const out: UnleashEvent[] = [];
    const path = '/api/admin/search/events';
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_REQUEST) {
      const batch = ids.slice(i, i + MAX_IDS_PER_REQUEST);
      const body = await this.getJson(path, { id: `IS_ANY_OF:${batch.join(',')}`, limit: String(MAX_PAGE_SIZE) });
      const page = this.#check(path, parseEventPage(body));
      const wanted = new Set(batch);
      for (const e of page.events) {
        if (!wanted.has(e.id)) throw protocolError(this.url, path, `event ${e.id} answered a query for other ids`);
        out.push(e);
      }
    }
    return out;
  }

  /** Project ids. */
  async projects(): Promise<string[]> {
    const path = '/api/admin/projects';
    return this.#check(path, parseProjects(await this.getJson(path)));
  }

  /** Environments of a project. */
  async projectEnvironments(project: string): Promise<UnleashEnvironment[]> {
    const path = `/api/admin/environments/project/${encodeURIComponent(project)}`;
    return this.#check(path, parseEnvironments(await this.getJson(path)));
  }

  /** Every environment of the instance. */
  async environments(): Promise<UnleashEnvironment[]> {
    const path = '/api/admin/environments';
    return this.#check(path, parseEnvironments(await this.getJson(path)));
  }

  /** The flags of a project (live ones; archived flags are not listed). */
  async features(project: string): Promise<UnleashFeatureSummary[]> {
    const path = `/api/admin/projects/${encodeURIComponent(project)}/features`;
    return this.#check(path, parseFeatureList(await this.getJson(path)));
  }

  /** One flag with its per-environment state and strategies. */
  async feature(project: string, name: string): Promise<UnleashFeature> {
    const path = `/api/admin/projects/${encodeURIComponent(project)}/features/${encodeURIComponent(name)}`;
    return this.#check(path, parseFeature(await this.getJson(path)));
  }

  /** The tags of a flag. */
  async featureTags(name: string): Promise<UnleashTag[]> {
    const path = `/api/admin/features/${encodeURIComponent(name)}/tags`;
    return this.#check(path, parseTags(await this.getJson(path)));
  }
}
