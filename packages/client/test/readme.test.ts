import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientStateDiagram } from '@wamp/core';

describe('README', () => {
  it('shows the state diagram generated from CLIENT_TRANSITIONS', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
    expect(block?.[1]).toBe(clientStateDiagram());
  });
});
