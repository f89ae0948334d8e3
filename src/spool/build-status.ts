/** How one build ended, as recorded by the node that ran it, and which build it is (no imports: the CLI's option parser loads it at start). */
export const BUILD_STATUSES = ['built', 'FTBFS', 'depwait', 'E404', 'checksum-mismatch', 'timeout', 'not-for-us'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** The two builds of a check, in order: the one definition of a build slot (an entry's Build-Number, an archive's build1/ and build2/). */
export const BUILD_NUMBERS = [1, 2] as const;
export type BuildNumber = (typeof BUILD_NUMBERS)[number];

/** The build a text names (an entry's Build-Number, a `build N` argument): undefined for anything but one of BUILD_NUMBERS, exactly. */
export function parseBuildNumber(text: string): BuildNumber | undefined {
  return BUILD_NUMBERS.find((n) => String(n) === text);
}
