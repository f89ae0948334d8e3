/**
 * The builder's settings that are words, not numbers (no imports: the configuration
 * schema and the CLI's option parser load this at start).
 */

/** sbuild: each build in a fresh copy of the suite's chroot. host: dpkg-buildpackage on this machine, for development only. */
export const BUILDERS = ['sbuild', 'host'] as const;
export type BuilderKind = (typeof BUILDERS)[number];

/**
 * How build 2's clock differs: faketime runs it 398 days ahead through libfaketime;
 * node means the node's own clock is already ahead (the operator set it so), so nothing
 * is faked; off means no clock variation.
 */
export const CLOCK_MODES = ['faketime', 'node', 'off'] as const;
export type ClockMode = (typeof CLOCK_MODES)[number];
