/**
 * One renderer for both transition tables (client and router sessions): a
 * table of state × input → next state becomes a Mermaid `stateDiagram-v2`,
 * so the diagrams in the documentation come from the same data the sessions
 * run on (STYLE: "Generate the state diagram in the docs from the same table").
 */

/** A transition table: for each state, the next state per allowed input. */
export type TransitionTable<S extends string, I extends string> = {
  readonly [K in S]: { readonly [J in I]?: S };
};

/** How {@link stateDiagram} draws a table. */
export interface StateDiagramOptions {
  /** Draw the "stay" cells (state → same state) too; they make the picture hard to read, so off by default. */
  readonly selfLoops?: boolean;
}

/**
 * The table as a Mermaid `stateDiagram-v2`: `[*] --> initial`, one edge per
 * pair of states with all the inputs that take it (in table order), and
 * `final --> [*]` when `final` is given.
 */
export function stateDiagram<S extends string, I extends string>(
  table: TransitionTable<S, I>,
  initial: S,
  final: S | undefined,
  options: StateDiagramOptions = {},
): string {
  const lines = ['stateDiagram-v2', `    [*] --> ${initial}`];
  const edges = new Map<string, string[]>();
  for (const [from, row] of Object.entries(table) as [S, TransitionTable<S, I>[S]][]) {
    for (const [input, to] of Object.entries(row) as [I, S][]) {
      if (from === to && options.selfLoops !== true) continue;
      const key = `${from} --> ${to}`;
      const labels = edges.get(key);
      if (labels === undefined) edges.set(key, [input]);
      else labels.push(input);
    }
  }
  for (const [key, labels] of edges) lines.push(`    ${key}: ${labels.join(', ')}`);
  if (final !== undefined) lines.push(`    ${final} --> [*]`);
  return lines.join('\n') + '\n';
}
