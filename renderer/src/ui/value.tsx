/** Compact, readable renderings of flag values (EnvState-like objects) and JSON. */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `on · 25 % · variation blue` for an EnvState-like value, `—` for null, compact JSON otherwise. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (isRecord(v) && typeof v['enabled'] === 'boolean') {
    const parts = [v['enabled'] ? 'on' : 'off'];
    if (typeof v['rollout_pct'] === 'number') parts.push(`${v['rollout_pct']} %`);
    if (typeof v['variation'] === 'string' && v['variation'] !== '') parts.push(`variation ${v['variation']}`);
    if (Array.isArray(v['rules']) && v['rules'].length > 0)
      parts.push(`${v['rules'].length} rule${v['rules'].length === 1 ? '' : 's'}`);
    return parts.join(' · ');
  }
  return JSON.stringify(v);
}

/** Old → new, each rendered with describeValue. */
export function ValueChange({ before, after }: { before: unknown; after: unknown }) {
  return (
    <span className="value-change">
      <span className="value-before">{describeValue(before)}</span>
      <span aria-hidden="true"> → </span>
      <span className="sr-only"> changed to </span>
      <span className="value-after">{describeValue(after)}</span>
    </span>
  );
}

/** A targeting rule as a reviewer reads it: `country in NL, BE → on`; null when it is not rule-shaped. */
function describeRule(r: unknown): string | null {
  if (!isRecord(r) || typeof r['attribute'] !== 'string' || typeof r['op'] !== 'string' || !Array.isArray(r['values']))
    return null;
  const values = r['values'].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  const to = typeof r['variation'] === 'string' ? ` → ${r['variation']}` : '';
  return `${r['attribute']} ${r['op']} ${values}${to}`;
}

/** One field's value for the diff: rules one per line, prerequisites as a list, anything else as JSON. */
export function describeField(key: string, v: unknown): string {
  if (Array.isArray(v) && (key === 'rules' || key === 'prerequisites') && v.length === 0) return 'none';
  if (key === 'rules' && Array.isArray(v)) {
    const lines = v.map(describeRule);
    if (lines.every((l) => l !== null)) return lines.join('\n');
  }
  if (key === 'prerequisites' && Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ');
  return JSON.stringify(v);
}

/** The keys whose values differ between two JSON objects (all keys for non-objects). */
export function diffRows(
  before: unknown,
  after: unknown,
): { key: string; before: string; after: string; changed: boolean }[] {
  if (!isRecord(before) && !isRecord(after)) {
    return [
      {
        key: 'value',
        before: JSON.stringify(before ?? null),
        after: JSON.stringify(after ?? null),
        changed: JSON.stringify(before) !== JSON.stringify(after),
      },
    ];
  }
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return keys.map((key) => {
    const changed = key in b !== key in a || stableJson(b[key]) !== stableJson(a[key]);
    const bs = key in b ? describeField(key, b[key]) : '(absent)';
    const as = key in a ? describeField(key, a[key]) : '(absent)';
    return { key, before: bs, after: as, changed };
  });
}

/** A before/after table with changed keys marked. */
export function JsonDiff({ before, after, label }: { before: unknown; after: unknown; label: string }) {
  return (
    <table className="diff" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">field</th>
          <th scope="col">before</th>
          <th scope="col">after</th>
        </tr>
      </thead>
      <tbody>
        {diffRows(before, after).map((r) => (
          <tr key={r.key} className={r.changed ? 'changed' : undefined}>
            <th scope="row">
              {r.changed && <span aria-label="changed">● </span>}
              {r.key}
            </th>
            <td>
              <code>{r.before}</code>
            </td>
            <td>
              <code>{r.after}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isRecord(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}
