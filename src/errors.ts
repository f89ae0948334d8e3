/** Exit codes are part of the CLI contract (README.md): scripts branch on them. */
export const EXIT_CODES = {
  ok: 0,
  failed: 1,
  usage: 2,
  nothingToDo: 3,
  busy: 4,
  integrity: 5,
  unreachable: 6,
} as const;

export type ErrorKind = Exclude<keyof typeof EXIT_CODES, 'ok'>;

/** An error the CLI turns into a message on stderr and a documented exit code. */
export class SpoolError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SpoolError';
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** C0 and C1 control characters (a terminal acts on ESC, OSC, CSI…), DEL too. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Control characters as visible escapes, so that nothing printed for a person can drive the terminal (tab and newline stay). */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Shows a value as the user typed it, with newlines, NUL and other controls made visible. */
export function quoteValue(value: string): string {
  return JSON.stringify(value);
}

/** A transition found its target already there: refused, both copies kept (exit 1). */
export class TargetExistsError extends SpoolError {
  constructor(
    readonly target: string,
    message = `refusing to overwrite ${target}: it already exists`,
  ) {
    super('failed', message);
    this.name = 'TargetExistsError';
  }
}

/** A node could not be reached, or its connection dropped, or it cannot build at all: counts against the node's health. */
export class NodeUnreachableError extends SpoolError {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super('unreachable', message);
    this.name = 'NodeUnreachableError';
  }
}

/**
 * A node's answer contradicts itself or what main sent (a status outside the list, results
 * of another build, a flood of output): never a verdict. Exit 5; counts against the node's
 * health like a connection failure, since a node that says wrong things is not to be used.
 */
export class NodeIntegrityError extends SpoolError {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super('integrity', message);
    this.name = 'NodeIntegrityError';
  }
}

export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
