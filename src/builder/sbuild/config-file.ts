/**
 * The sbuild configuration of one build (SBUILD_CONFIG, so the invoking user's
 * ~/.sbuildrc never changes a verdict). Most of what the builder needs has no command
 * line option in sbuild 0.85. Values are written as Perl single-quoted strings.
 */
export interface SbuildConfig {
  /** mkdtemp template of the throw-away chroot copy. */
  readonly unpackTemplate: string;
  /** Host directory with the wrapper and setup scripts, mounted read-only-by-ownership at MOUNT_POINT. */
  readonly scriptsDir: string;
  readonly mountPoint: string;
  readonly wrapper: string;
  readonly chrootSetup: string;
  /** Host directory bind-mounted over /var/cache/apt/archives, if any. */
  readonly aptArchives?: string;
  readonly extraRepositories: readonly string[];
  /** sbuild ends a build silent for this long; ours is the real timeout, so it only needs to be no shorter. */
  readonly stalledMinutes: number;
  /** apt update and dist-upgrade in the chroot copy before the build dependencies (sbuild/apt-update.ts). */
  readonly aptUpdate: boolean;
}

function perlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function sbuildConfig(c: SbuildConfig): string {
  const mounts = [
    { directory: c.scriptsDir, mountpoint: c.mountPoint },
    ...(c.aptArchives ? [{ directory: c.aptArchives, mountpoint: '/var/cache/apt/archives' }] : []),
  ];
  return [
    '# Written by repro-spool for one build; see README.md, "Builds and verdicts".',
    "$chroot_mode = 'unshare';",
    `$unshare_tmpdir_template = ${perlString(c.unpackTemplate)};`,
    // The wrapper must start as root of the build's namespace to set the hostname and
    // drop to the build user itself (sbuild would otherwise run it as the invoking user).
    "$build_user = 'root';",
    `$build_env_cmnd = ${perlString(c.wrapper)};`,
    `$external_commands = { 'chroot-setup-commands' => [ [ ${perlString(c.chrootSetup)} ] ] };`,
    `$unshare_bind_mounts = [ ${mounts.map((m) => `{ directory => ${perlString(m.directory)}, mountpoint => ${perlString(m.mountpoint)} }`).join(', ')} ];`,
    `$extra_repositories = [ ${c.extraRepositories.map(perlString).join(', ')} ];`,
    '$apt_keep_downloaded_packages = 1;',
    ...(c.aptUpdate ? [] : ['$apt_update = 0;', '$apt_upgrade = 0;', '$apt_distupgrade = 0;']),
    '$build_arch_all = 1;',
    '$build_arch_any = 1;',
    '$build_source = 0;',
    '$run_lintian = 0;',
    '$run_piuparts = 0;',
    '$run_autopkgtest = 0;',
    '$log_external_command_output = 1;',
    '$log_external_command_error = 1;',
    `$stalled_pkg_timeout = ${Math.max(1, Math.ceil(c.stalledMinutes))};`,
    '1;',
    '',
  ].join('\n');
}
