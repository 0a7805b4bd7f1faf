// The run option `families` turned into what matchRules takes and what x-gloss-families echoes.
import { parseFamiliesList, type FamiliesOption } from '../engine/run-options.ts';
import { HttpError } from '../http/errors.ts';
import { MISREADING_FAMILIES, type Rule } from '../rules/schema.ts';

/**
 * The families list matchRules takes (MatchOptions.families): `'all'` is every misreading family,
 * a list is itself, absent is undefined (matchRules then glosses the rules that are not `off`).
 */
export function matchFamilies(option: FamiliesOption | undefined): readonly string[] | undefined {
  if (option === undefined) return undefined;
  return option === 'all' ? MISREADING_FAMILIES : option;
}

/**
 * The families a request glosses, for the x-gloss-families header: the asked-for list (sorted), or
 * with none asked for the bundle's on families (families of its rules that are not `off`).
 */
export function familiesInEffect(option: FamiliesOption | undefined, rules: readonly Rule[]): string[] {
  const asked = matchFamilies(option);
  const names = asked ?? rules.filter((r) => !r.off && r.family).map((r) => r.family!);
  return [...new Set(names)].sort();
}

/**
 * The request's `x-gloss-families` header (`all` or comma-separated names), else `fallback` (the
 * configured families; undefined: the bundle's default).
 * @throws HttpError 400 `invalid_request` naming the unknown families and the allowed ones.
 */
export function requestFamilies(req: Request, fallback: FamiliesOption | undefined): FamiliesOption | undefined {
  try {
    return parseFamiliesList(req.headers.get('x-gloss-families')) ?? fallback;
  } catch (e) {
    throw new HttpError(400, 'invalid_request', `x-gloss-families: ${(e as Error).message}`);
  }
}
