/**
 * The layer rules of DESIGN.md, checked in `npm test` (`npm run deps`):
 * beads → machines → projections are pure; store sits below the runtime and
 * the actors; nothing imports tools/ or the host; no circular imports.
 */
const PURE = '^(beads|machines|projections)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two files one; break it by moving what both need below them.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'beads-import-only-zod',
      severity: 'error',
      comment: 'beads/ is the vocabulary: zod schemas and nothing else.',
      from: { path: '^beads/' },
      to: { pathNot: ['^beads/', '(^|/)node_modules/zod/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'machines-import-beads-and-xstate',
      severity: 'error',
      comment: 'machines/ are pure XState definitions over the beads.',
      from: { path: '^machines/' },
      to: { pathNot: ['^machines/', '^beads/', '(^|/)node_modules/(xstate|zod)/'] },
    },
    {
      name: 'projections-import-beads-and-machines',
      severity: 'error',
      comment: 'projections/ are pure folds over beads (machines for their types).',
      from: { path: '^projections/' },
      to: { pathNot: ['^projections/', '^machines/', '^beads/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'pure-floors-no-io',
      severity: 'error',
      comment: 'machines/ and projections/ do no I/O: no node builtins.',
      from: { path: PURE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'store-below-the-actors',
      severity: 'error',
      comment: 'The event log knows beads and its drivers, never who writes to it.',
      from: { path: '^store/' },
      to: { path: '^(actors|runtime|tools|machines|projections)/' },
    },
    {
      name: 'runtime-below-the-actors',
      severity: 'error',
      comment: 'The runtime floor carries the actors; it never reaches up into them.',
      from: { path: '^runtime/' },
      to: { path: '^(actors|tools)/' },
    },
    {
      name: 'nothing-imports-tools',
      severity: 'error',
      comment: 'tools/ is the outermost layer: the CLI and its commands.',
      from: { pathNot: '^(tools|test|bench|bin)/' },
      to: { path: '^tools/' },
    },
    {
      name: 'nothing-imports-the-host',
      severity: 'error',
      comment: 'The composition root sits on top: only tools/ (phoenix run) and tests start it.',
      from: { pathNot: '^(tools|test|bench|actors/host)/' },
      to: { path: '^actors/host/host\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|test|bench|var)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
