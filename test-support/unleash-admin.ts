/**
 * Writes to a real Unleash through its admin API, for tests that make changes and then watch them arrive in the
 * mirror: flags, environments, strategies, variants, tags, archive. Any non-2xx answer throws with Unleash's message.
 */

/** A strategy as the admin API takes it. */
export interface StrategyInput {
  name: string;
  title?: string;
  disabled?: boolean;
  parameters?: Record<string, string>;
  constraints?: {
    contextName: string;
    operator: string;
    values?: string[];
    value?: string;
    inverted?: boolean;
    caseInsensitive?: boolean;
  }[];
  variants?: { name: string; weight: number; weightType: 'variable' | 'fix'; stickiness: string }[];
}

/** A variant as the admin API takes it. */
export interface VariantInput {
  name: string;
  weight: number;
  weightType: 'variable' | 'fix';
  stickiness: string;
}

/** Admin writes against one Unleash. */
export class UnleashAdmin {
  readonly url: string;
  readonly #token: string;

  constructor(url: string, token: string) {
    this.url = url;
    this.#token = token;
  }

  /** Sends one request; resolves to the parsed body (null when empty). */
  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: this.#token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Unleash ${method} ${path} → HTTP ${res.status}: ${text}`);
    return text === '' ? null : (JSON.parse(text) as unknown);
  }

  #feature(project: string, flag: string): string {
    return `/api/admin/projects/${project}/features/${encodeURIComponent(flag)}`;
  }

  /** Creates a flag. */
  async createFlag(flag: string, opts: { project?: string; type?: string; description?: string } = {}): Promise<void> {
    await this.call('POST', `/api/admin/projects/${opts.project ?? 'default'}/features`, {
      name: flag,
      type: opts.type ?? 'release',
      description: opts.description ?? '',
    });
  }

  /** Turns an environment on or off. */
  async setEnabled(flag: string, env: string, on: boolean, project = 'default'): Promise<void> {
    await this.call('POST', `${this.#feature(project, flag)}/environments/${env}/${on ? 'on' : 'off'}`);
  }

  /** Adds a strategy; resolves to its id. */
  async addStrategy(flag: string, env: string, s: StrategyInput, project = 'default'): Promise<string> {
    const out = (await this.call('POST', `${this.#feature(project, flag)}/environments/${env}/strategies`, s)) as {
      id: string;
    };
    return out.id;
  }

  /** Replaces a strategy. */
  async updateStrategy(flag: string, env: string, id: string, s: StrategyInput, project = 'default'): Promise<void> {
    await this.call('PUT', `${this.#feature(project, flag)}/environments/${env}/strategies/${id}`, s);
  }

  /** Removes a strategy. */
  async removeStrategy(flag: string, env: string, id: string, project = 'default'): Promise<void> {
    await this.call('DELETE', `${this.#feature(project, flag)}/environments/${env}/strategies/${id}`);
  }

  /** Lists the strategies of a flag in one environment. */
  async strategies(flag: string, env: string, project = 'default'): Promise<{ id: string; name: string }[]> {
    return (await this.call('GET', `${this.#feature(project, flag)}/environments/${env}/strategies`)) as {
      id: string;
      name: string;
    }[];
  }

  /** Sets environment variants (legacy; the test Unleash keeps them enabled). */
  async setEnvVariants(flag: string, env: string, variants: VariantInput[], project = 'default'): Promise<void> {
    await this.call('PUT', `${this.#feature(project, flag)}/environments/${env}/variants`, variants);
  }

  /** Updates a flag's description (a metadata event). */
  async describe(flag: string, description: string, project = 'default'): Promise<void> {
    await this.call('PATCH', this.#feature(project, flag), [
      { op: 'replace', path: '/description', value: description },
    ]);
  }

  /** Creates a tag type unless it exists. */
  async ensureTagType(name: string): Promise<void> {
    const types = (await this.call('GET', '/api/admin/tag-types')) as { tagTypes: { name: string }[] };
    if (!types.tagTypes.some((t) => t.name === name)) await this.call('POST', '/api/admin/tag-types', { name });
  }

  /** Tags a flag. */
  async tag(flag: string, type: string, value: string): Promise<void> {
    await this.call('POST', `/api/admin/features/${encodeURIComponent(flag)}/tags`, { type, value });
  }

  /** Removes a tag. */
  async untag(flag: string, type: string, value: string): Promise<void> {
    const path = `/api/admin/features/${encodeURIComponent(flag)}/tags/${type}/${encodeURIComponent(value)}`;
    await this.call('DELETE', path);
  }

  /** Archives a flag. */
  async archive(flag: string, project = 'default'): Promise<void> {
    await this.call('DELETE', this.#feature(project, flag));
  }

  /** Revives an archived flag. */
  async revive(flag: string): Promise<void> {
    await this.call('POST', `/api/admin/archive/revive/${encodeURIComponent(flag)}`);
  }
}
