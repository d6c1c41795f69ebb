import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImportFileError, splitJsonArray } from '../../../src/accounts/import/json-array.ts';

test('splitJsonArray: each element\'s text, index and starting line; nested brackets and quoted ones do not split', () => {
  const text = '\ufeff\n[\n  {"a": [1, {"b": "]"}], "c": "x,y\\"}"},\n  {\n    "d": 2\n  }, 3 ,"s",\n\n  [4, 5]\n]\n';
  assert.deepEqual(splitJsonArray(text), [
    { index: 0, line: 3, text: '{"a": [1, {"b": "]"}], "c": "x,y\\"}"}' },
    { index: 1, line: 4, text: '{\n    "d": 2\n  }' },
    { index: 2, line: 6, text: '3' },
    { index: 3, line: 6, text: '"s"' },
    { index: 4, line: 8, text: '[4, 5]' },
  ]);
  assert.deepEqual(splitJsonArray(' [ ] '), []);
});

test('splitJsonArray: a broken element stays one element, so it alone is refused; empty ones are kept as empty', () => {
  const elements = splitJsonArray('[{"a": 1 "b": 2}, {"ok": true}, , {"x": }}]');
  assert.deepEqual(elements.map((e) => e.text), ['{"a": 1 "b": 2}', '{"ok": true}', '', '{"x": }}']);
  assert.deepEqual(elements.map((e) => e.index), [0, 1, 2, 3]);
  assert.deepEqual(splitJsonArray('[{"a":1},]').map((e) => e.text), ['{"a":1}', ''], 'a trailing comma leaves an empty element');
});

test('splitJsonArray: a file that is not one JSON array is an ImportFileError naming the line', () => {
  assert.throws(() => splitJsonArray('{"email": "a@b.c"}'), (err) => err instanceof ImportFileError && /^line 1: expected a JSON array of users/.test(err.message));
  assert.throws(() => splitJsonArray(''), /^ImportFileError: line 1: expected a JSON array/);
  assert.throws(() => splitJsonArray('[\n{"a": "unterminated}]\n'), /^ImportFileError: line 2: the array does not end/);
  assert.throws(() => splitJsonArray('[{"a": 1}'), /the array does not end/);
  assert.throws(() => splitJsonArray('[1]\n\n[2]'), /^ImportFileError: line 3: unexpected text after the array$/);
});
