/**
 * Every relative link in the project's Markdown (README.md, CONTRIBUTING.md, DEVELOPERS.md, docs/*.md) points at a
 * file that exists and, when it has a #fragment, at a heading of that file, by GitHub's anchor rules. Links inside
 * code are not links and are skipped; so are absolute URLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Pages another branch is adding, which this branch already links to. A missing one is tolerated; once it exists its
 * links and anchors are checked like any other, and its entry here can go.
 */
export function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', 'DEVELOPERS.md', ...docs].filter((f) => existsSync(join(root, f)));
}

/** The lines outside fenced code blocks, with inline code spans blanked out. */
function prose(markdown: string): string[] {
  let fence: string | undefined;
  const lines: string[] = [];
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line.replace(/(`+)[^`]*?\1/g, ''));
  }
  return lines;
}

/** GitHub's anchor for a heading: the rendered text, lower-cased, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]{1,2}([^`*_]+)[`*_]{1,2}/g, '$1').replace(/`/g, '');
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings; a repeated heading gets -1, -2, ... as on GitHub. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    const heading = fence === undefined ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1] : undefined;
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative link targets of a Markdown file, as written. */
export function linksOf(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of prose(markdown)) {
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) targets.push(target);
    }
  }
  return targets;
}

/** What is wrong with one link from `file`, or undefined when it leads somewhere. */
function problemWith(file: string, target: string): string | undefined {
  const [path = '', fragment] = target.split('#', 2);
  const destination = path === '' ? join(root, file) : resolve(dirname(join(root, file)), decodeURIComponent(path));
  const name = relative(root, destination);
  if (!existsSync(destination)) return `${name} does not exist`;
  if (fragment === undefined || fragment === '') return undefined;
  if (statSync(destination).isDirectory() || !destination.endsWith('.md')) return `#${fragment} on ${name}, which is not a Markdown file`;
  if (!anchorsOf(readFileSync(destination, 'utf8')).has(decodeURIComponent(fragment).toLowerCase())) return `${name} has no heading #${fragment}`;
  return undefined;
}

test('the anchor rules match GitHub on the headings this project writes', () => {
  assert.equal(slug('Attack protection (RFC 6749 §4.3.2)'), 'attack-protection-rfc-6749-432');
  assert.equal(slug('The token endpoint, `POST {issuer}/oauth/token`'), 'the-token-endpoint-post-issueroauthtoken');
  assert.equal(slug('Lint and format: Biome'), 'lint-and-format-biome');
  assert.deepEqual([...anchorsOf('# A\n```sh\n# not a heading\n```\n## A\n')], ['a', 'a-1']);
  assert.deepEqual(linksOf('[x](a.md#b) `[y](no.md)` [z](https://example.com)\n```\n[w](no.md)\n```\n'), ['a.md#b']);
});

test('every relative link in README.md, CONTRIBUTING.md and docs/*.md leads to an existing file and heading', () => {
  const files = markdownFiles();
  assert.ok(files.includes('README.md') && files.some((f) => f.startsWith('docs/')));
  const problems: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const target of linksOf(readFileSync(join(root, file), 'utf8'))) {
      checked++;
      const problem = problemWith(file, target);
      if (problem !== undefined) problems.push(`${file}: (${target}) ${problem}`);
    }
  }
  assert.ok(checked > 50, `only ${checked} links found: the parser is missing them`);
  assert.deepEqual(problems, []);
});
