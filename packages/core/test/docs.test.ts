import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientStateDiagram, routerStateDiagram } from '@wamp/core';

// The README shows the state diagrams generated from the transition tables;
// a change to a table must be reflected there.
describe('packages/core/README.md', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());

  it('shows the ClientSession diagram generated from its table', () => {
    expect(blocks).toContain(clientStateDiagram().trim());
  });
  it('shows the RouterSession diagram generated from its table', () => {
    expect(blocks).toContain(routerStateDiagram().trim());
  });
});
