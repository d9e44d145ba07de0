import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(`${root}docs/data-path.md`, 'utf8');

/** Every table row of docs/data-path.md that names a file and a function: [file, name]. */
function steps(): [string, string][] {
  const rows: [string, string][] = [];
  for (const line of doc.split('\n')) {
    const m = /^\| \d+ \| `([^`]+)` \| `([A-Za-z_$][\w$]*)` \|/.exec(line);
    if (m) rows.push([m[1]!, m[2]!]);
  }
  return rows;
}

describe('docs/data-path.md', () => {
  it('walks both journeys in enough steps', () => {
    expect(steps().length).toBeGreaterThanOrEqual(45);
  });

  it.each(steps())('%s defines or uses %s', (file, name) => {
    expect(existsSync(`${root}${file}`), file).toBe(true);
    expect(new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(readFileSync(`${root}${file}`, 'utf8')), name).toBe(
      true,
    );
  });
});
