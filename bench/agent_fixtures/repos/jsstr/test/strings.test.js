'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { capitalize, repeat } = require('../src/strings');

test('capitalize a word', () => {
  assert.strictEqual(capitalize('hello'), 'Hello');
});

test('repeat with a separator', () => {
  assert.strictEqual(repeat('ab', 3, '-'), 'ab-ab-ab');
});
