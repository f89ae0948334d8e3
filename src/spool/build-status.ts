/** How one build ended, as recorded by the node that ran it (no imports: the CLI's option parser loads it at start). */
export const BUILD_STATUSES = ['built', 'FTBFS', 'depwait', 'E404', 'checksum-mismatch', 'timeout', 'not-for-us'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
