/**
 * Choosing what build 2 varies: the `variations` configuration key and `--vary`, and the
 * Variations field that carries the choice in an entry to the nodes.
 *
 * A SPEC is either `=a,b` (exactly these) or a list of changes, `-name` (no longer varied)
 * and `+name` (varied again), applied to what was chosen before (the configuration's
 * choice for `--vary`, every variation for the key). A bare name is refused: reprotest's
 * `--variations=a` silently meant "only a", and packages went under-tested for it.
 */
import { SpoolError } from '../errors.js';
import { ALL_VARIED, VARIATION_IDS, type VariationId, type Varied } from './variations.js';

/** The Variations field of an entry that varies nothing (the control build of `explain`). */
const NOTHING = 'none';

function variationId(name: string, where: string, kind: 'usage' | 'integrity' = 'usage'): VariationId {
  if ((VARIATION_IDS as readonly string[]).includes(name)) return name as VariationId;
  throw new SpoolError(kind, `unknown variation ${JSON.stringify(name)} in ${where}: expected one of ${VARIATION_IDS.join(', ')}`);
}

/** `spec` applied to `base`; `where` names it in errors ("--vary=-clock"). */
export function applySpec(base: Varied, spec: string, where: string): Varied {
  const text = spec.trim();
  if (text.startsWith('=')) {
    const names = text
      .slice(1)
      .split(',')
      .map((n) => n.trim());
    if (names.some((n) => n === '')) throw new SpoolError('usage', `${where}: expected =NAME[,NAME…] with no empty name`);
    return new Set(names.map((n) => variationId(n, where)));
  }
  const varied = new Set(base);
  for (const term of text.split(',').map((t) => t.trim())) {
    const sign = term[0];
    if (sign !== '-' && sign !== '+') {
      throw new SpoolError(
        'usage',
        `${where}: ${JSON.stringify(term)} has no sign: expected -NAME (stop varying it), +NAME (vary it) or =NAME,… (exactly these)`,
      );
    }
    const id = variationId(term.slice(1), where);
    if (sign === '-') varied.delete(id);
    else varied.add(id);
  }
  return varied;
}

/** An entry's Variations field: the varied names in the table's order, or "none". */
export function formatVaried(varied: Varied): string {
  const names = VARIATION_IDS.filter((id) => varied.has(id));
  return names.length === 0 ? NOTHING : names.join(', ');
}

/** The set an entry's Variations field names; undefined (absent): every variation, as before the field existed. */
export function parseVaried(field: string | undefined, where: string): Varied {
  if (field === undefined) return ALL_VARIED;
  if (field.trim() === NOTHING) return new Set();
  return new Set(field.split(',').map((n) => variationId(n.trim(), where, 'integrity')));
}
