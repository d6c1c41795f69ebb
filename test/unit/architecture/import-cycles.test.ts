/**
 * No import circles in src/: every module can be read (and loaded) after the ones it imports. Type-only imports
 * count too, since a circle of types is still a circle of ideas a reader has to hold at once. The check also keeps
 * the ground floor (src/model/, src/protocol/) free of imports from the layers above it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative module specifiers of `import ... from`, `export ... from` and `import('...')`. */
export function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)]
    .map((m) => m[1] ?? m[2]!);
  return specifiers.map((s) => resolve(dirname(file), s));
}

/** Strongly connected components of more than one module (or a module importing itself): Tarjan's algorithm. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const state = new Map<string, { index: number; low: number; onStack: boolean }>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    const own = { index, low: index, onStack: true };
    index++;
    state.set(node, own);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (!seen) {
        visit(next);
        own.low = Math.min(own.low, state.get(next)!.low);
      } else if (seen.onStack) own.low = Math.min(own.low, seen.index);
    }
    if (own.low !== own.index) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      state.get(member)!.onStack = false;
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const graph = new Map(sourceFiles(SRC).map((file) => [file, importsOf(file, readFileSync(file, 'utf8'))]));
const name = (file: string) => relative(SRC, file);

test('the cycle finder finds a circle of three and a module importing itself, and nothing in a chain', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(new Map([['a', ['a']]])), [['a']]);
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), []);
  assert.deepEqual(importsOf('/x/y.ts', "import type { A } from '../a.ts';\nexport { b } from './b.ts';\nconst c = await import('./c.ts');"),
    ['/a.ts', '/x/b.ts', '/x/c.ts']);
});

test('src/ has no import circles', () => {
  assert.deepEqual(cycles(graph).map((component) => component.map(name)), []);
});

test('src/model/ and src/protocol/ import nothing above them', () => {
  const upward = [...graph].flatMap(([file, imports]) => {
    const layer = name(file).split('/')[0];
    if (layer !== 'model' && layer !== 'protocol') return [];
    return imports.map(name).filter((target) => !target.startsWith('model/') && !target.startsWith('protocol/')).map((target) => `${name(file)} -> ${target}`);
  });
  assert.deepEqual(upward, []);
});
