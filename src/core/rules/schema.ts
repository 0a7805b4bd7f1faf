// Schemas for a bundle's rules.json and features.json, with one readable error that names the path
// (`rules[3].threshold: ...`), so a hand-edited or trainer-written file fails loudly and precisely.
import { z } from 'zod';
import { CONSTRUCTION_FAMILIES } from '../grammar/families.ts';

/** rules.json format version this code reads (its `version` field must equal it). */
export const RULES_VERSION = 1;
/** features.json format version this code reads (its `version` field must equal it). */
export const FEATURES_VERSION = 1;
/** Longest gloss template; glosses are inserted into prompts, so they must stay short. */
export const MAX_GLOSS_CHARS = 300;

// Ids travel in the comma-separated `x-gloss-rules` header: no commas, spaces or upper case.
const Slug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, 'must be a slug: lower-case letters, digits, "-" or "_"');

const Probability = z.number().min(0).max(1);

/** Longest `cue` pattern; cues are short lexical guards, not grammars. */
export const MAX_CUE_CHARS = 200;

// A lexical cue: a JavaScript regular expression source, matched case-insensitively. It must compile
// here, so a typo fails when the bundle loads rather than on some prompt.
const Cue = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_CUE_CHARS, `must be at most ${MAX_CUE_CHARS} characters`)
  .refine(
    (s) => {
      try {
        new RegExp(s, 'iu');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a valid regular expression' },
  );

// Only `{span}` is a placeholder; any other `{name}` is almost surely a typo.
const GlossTemplate = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_GLOSS_CHARS, `must be at most ${MAX_GLOSS_CHARS} characters`)
  .refine((s) => [...s.matchAll(/\{([A-Za-z_]\w*)\}/g)].every((m) => m[1] === 'span'), {
    message: 'unknown placeholder; only {span} is allowed',
  });

/**
 * Misreading families: what an LLM gets wrong about the phrase a rule glosses. Every rule
 * the trainer writes names one; `figurative` is the metaphor task, all others are math word problems.
 */
export const MISREADING_FAMILIES = [...CONSTRUCTION_FAMILIES, 'figurative'] as const;
/** Zod schema for one misreading family name (one of MISREADING_FAMILIES). */
export const MisreadingFamilySchema = z.enum(MISREADING_FAMILIES);
/** A misreading family name (MISREADING_FAMILIES). */
export type MisreadingFamily = z.infer<typeof MisreadingFamilySchema>;

// Evidence may carry extra statistics from the trainer, so it is not strict.
export const EvidenceSchema = z.looseObject({
  support: z.number().int().nonnegative(),
  lift: z.number(),
  q_value: Probability,
  heldout_auc: Probability.optional(),
  datasets: z.array(z.string()),
});

/**
 * The bundle's task gate: a logistic classifier over prompt-pooled SAE activations that says whether
 * a prompt is of the kind the governed rule families were mined on (math word problems), so those
 * rules never fire in code, e-mails or prose. Score = sigmoid(bias + sum_i weights[i] * pool_i),
 * pool_i = mean (or max) over the prompt's tokens of latent features[i]; open when score >= threshold.
 */
export const GateSchema = z
  .strictObject({
    id: Slug,
    label: z.string().trim().min(1).max(120),
    /** SAE latent ids; each must be in features.json. */
    features: z.array(z.number().int().nonnegative()).min(1),
    pool: z.enum(['mean', 'max']),
    weights: z.array(z.number()),
    bias: z.number(),
    threshold: Probability,
    /**
     * A lower threshold for construction rules on a prompt that asks for a quantity
     * (src/core/grammar/asks.ts): short word problems score low on the mean-pooled gate. At most
     * `threshold`; absent, construction rules use `threshold`.
     */
    askedThreshold: Probability.optional(),
    /** The rule families that fire only when the gate is open. */
    families: z.array(MisreadingFamilySchema).min(1),
    evidence: z.looseObject({}).optional(),
  })
  .refine((g) => g.weights.length === g.features.length, {
    message: 'weights must have one entry per feature',
    path: ['weights'],
  })
  .refine((g) => g.askedThreshold === undefined || g.askedThreshold <= g.threshold, {
    message: 'askedThreshold must be at most threshold',
    path: ['askedThreshold'],
  });
/**
 * A probe rule's classifier (for figurative verbs): logistic regression over SAE latents pooled at
 * the words the POS tagger tags as main verbs. Score = sigmoid(bias + sum_i word[i] * max over the verb's
 * tokens of latent features[i] + right[i] * max over the next `rightWords` words' tokens); the rule fires
 * where score >= its `threshold` (a probability). Source: a sparse L1 read-out as in Gao et al. 2018's
 * verb-classification setting, over SAE codes instead of word vectors.
 */
export const ProbeSchema = z
  .strictObject({
    pos: z.literal('verb'),
    /** SAE latent ids; each must be in features.json. */
    features: z.array(z.number().int().nonnegative()).min(1),
    /** Weights on each latent at the word itself (max over its tokens). */
    word: z.array(z.number()),
    /** Weights on each latent over the following words (max over their tokens). */
    right: z.array(z.number()),
    rightWords: z.number().int().min(1).max(8),
    bias: z.number(),
    /**
     * A context gate pooled over the tokens of the verb's sentence (pos.ts splitSentences): the probe fires
     * only in sentences of the kind it was fitted on (prose, not code, instructions or math problems), and
     * only those sentences are tagged. Its `families` name the probe rule's family.
     */
    context: GateSchema.optional(),
  })
  .refine((p) => p.word.length === p.features.length && p.right.length === p.features.length, {
    message: 'word and right must have one weight per feature',
  });
/** A probe rule's classifier, as validated by ProbeSchema. */
export type Probe = z.infer<typeof ProbeSchema>;

// Strict: an unknown key in a rule is a typo (`thresold`) that would otherwise be ignored silently.
export const RuleSchema = z.strictObject({
  id: Slug,
  /**
   * SAE latent id; mapped to a detector output column through features.json. For a probe rule, the
   * probe latent with the largest weight (what explanations name).
   */
  feature: z.number().int().nonnegative(),
  /** Fires on a token when its activation is >= threshold; for a probe rule, a probability in (0, 1]. */
  threshold: z.number().positive(),
  scope: z.enum(['span', 'prompt']),
  /**
   * `after-span`: right after the firing words; `after-phrase`: after the whole phrase they open
   * (up to the next punctuation, at most a few words: "per hour", "three times as many toys as
   * Mandy"), so a gloss never splits a phrase; `note`: in the note block.
   */
  placement: z.enum(['after-span', 'after-phrase', 'note']),
  gloss: GlossTemplate,
  /** Higher first when more rules fire than may be inserted. */
  priority: z.number().int(),
  label: z.string().trim().min(1).max(120),
  evidence: EvidenceSchema,
  /** Most insertions of this rule in one prompt (default: 1 for scope 'prompt', unlimited for 'span'). */
  maxPerPrompt: z.number().int().positive().optional(),
  /**
   * The misreading this rule targets. Rules of one family that render the same gloss insert it once
   * per prompt; families the bundle's task gate governs fire only when the gate is open. Rules
   * without a family (hand-written, pre-issue-14 bundles) are ungated and deduped per place only.
   */
  family: MisreadingFamilySchema.optional(),
  /**
   * Precision guard: a regular expression (case-insensitive) that must match text overlapping the
   * firing span (for `after-phrase`, the whole phrase) or the rule does not fire there. A latent
   * that correlates with a token then never drives a rule alone, and the gloss can be specific to
   * the wording it annotates ("three times fewer" is division, "three times as many" is not).
   */
  cue: Cue.optional(),
  /**
   * Fires from the construction grammar (src/core/grammar) instead of a latent: on every phrase the
   * grammar parses of this family, or of these kinds, and only while the bundle's task gate is open
   * and governs the rule's family. The gloss is the grammar's, written from the parsed phrase, and
   * goes at its `insertAt`; the rule's `gloss` template is not used. `feature` names the latent
   * explanations show beside it (not a firing condition); `threshold` is unused.
   */
  construction: z.union([z.enum(CONSTRUCTION_FAMILIES), z.array(Slug).min(1)]).optional(),
  /** Fires where this classifier says so (on verbs), instead of `feature` >= `threshold` on tokens. */
  probe: ProbeSchema.optional(),
  /**
   * Off by default: the rule fires only where the run options' `families` name its family (the
   * figurative probe until it measures; math families whose failure evidence does not hold).
   */
  off: z.boolean().optional(),
  /** Written by the trainer and not yet reviewed by a person: `gloss-train export` refuses it unless forced. */
  draft: z.boolean().optional(),
});

/** A bundle's task gate, as validated by GateSchema. */
export type Gate = z.infer<typeof GateSchema>;

/** Zod schema for a bundle's rules.json: `{version, rules, gate?}`; rejects duplicate rule ids, naming both indices. */
export const RulesFileSchema = z
  .looseObject({
    version: z.literal(RULES_VERSION),
    rules: z.array(RuleSchema),
    gate: GateSchema.optional(),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.rules.forEach((r, i) => {
      if (r.construction !== undefined) {
        if (r.cue !== undefined || r.probe !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'construction'],
            message: 'a construction rule has no cue or probe',
          });
        if (!r.family || (typeof r.construction === 'string' && r.construction !== r.family))
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'family'],
            message: 'a construction rule needs a family, and a construction family must be that family',
          });
        if (r.scope !== 'span' || r.placement !== 'after-phrase')
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'placement'],
            message:
              "a construction rule is scope 'span', placement 'after-phrase' (the gloss goes at the grammar's insertAt)",
          });
      }
      if (r.probe && r.threshold > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'threshold'],
          message: 'a probe rule needs a probability <= 1',
        });
      const first = seen.get(r.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'id'],
          message: `duplicate id "${r.id}" (first at rules[${first}])`,
        });
      } else seen.set(r.id, i);
    });
  });

/** One top-activating context of a latent in features.json (shown in the UI): text and its peak activation. */
export const TopContextSchema = z.looseObject({
  text: z.string(),
  /** Per-token pieces of `text` with their activation, for highlighting. */
  tokens: z.array(z.object({ text: z.string(), activation: z.number() })).optional(),
  activation: z.number(),
});

/** One latent in features.json: its SAE id, its detector output column, label and JumpReLU threshold. */
export const FeatureInfoSchema = z.looseObject({
  /** Index into the last axis of the detector's `features` output. */
  column: z.number().int().nonnegative(),
  /** SAE latent id (what rules name). */
  feature: z.number().int().nonnegative(),
  label: z.string(),
  /** JumpReLU threshold baked into the detector for this latent. */
  threshold: z.number().nonnegative(),
  top_contexts: z.array(TopContextSchema).optional(),
});

/** Zod schema for a bundle's features.json: `{version, features}`; rejects duplicate columns and latent ids. */
export const FeaturesFileSchema = z
  .looseObject({
    version: z.literal(FEATURES_VERSION),
    features: z.array(FeatureInfoSchema),
  })
  .superRefine((file, ctx) => {
    const cols = new Set<number>();
    const ids = new Set<number>();
    file.features.forEach((f, i) => {
      if (cols.has(f.column))
        ctx.addIssue({ code: 'custom', path: ['features', i, 'column'], message: `duplicate column ${f.column}` });
      if (ids.has(f.feature))
        ctx.addIssue({ code: 'custom', path: ['features', i, 'feature'], message: `duplicate feature ${f.feature}` });
      cols.add(f.column);
      ids.add(f.feature);
    });
  });

/** One validated rule of rules.json. */
export type Rule = z.infer<typeof RuleSchema>;
/** A validated rules.json. */
export type RulesFile = z.infer<typeof RulesFileSchema>;
/** A rule's mining statistics (support, lift, q-value, held-out AUC, data sets). */
export type Evidence = z.infer<typeof EvidenceSchema>;
/** One validated features.json entry. */
export type FeatureInfo = z.infer<typeof FeatureInfoSchema>;
/** A validated features.json. */
export type FeaturesFile = z.infer<typeof FeaturesFileSchema>;

/** Thrown by parseRules/parseFeatures for a file that is not JSON or breaks the schema; the message names the path. */
export class RulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulesError';
  }
}

/** `['rules', 3, 'threshold']` -> `rules[3].threshold`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    // Name the offending key in the path itself: `rules[3].thresold: unknown key`.
    return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`).join('; ');
  }
  const msg =
    issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'is required' : issue.message;
  return `${formatPath(issue.path)}: ${msg}`;
}

/** All issues in one line, each with its path; a handful at most so logs stay readable. */
export function formatIssues(what: string, error: z.ZodError): string {
  const lines = error.issues.map(describe);
  const shown = lines.slice(0, 5).join('; ');
  const more = lines.length > 5 ? `; and ${lines.length - 5} more` : '';
  return `invalid ${what}: ${shown}${more}`;
}

function parseWith<T>(what: string, schema: z.ZodType<T>, json: unknown): T {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new RulesError(`invalid ${what}: not JSON (${(e as Error).message})`);
    }
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new RulesError(formatIssues(what, r.error));
  return r.data;
}

/** Validates rules.json (a JSON string or an already-parsed value); throws RulesError naming the path. */
export function parseRules(json: unknown): RulesFile {
  return parseWith('rules.json', RulesFileSchema, json);
}

/** Validates features.json; throws RulesError naming the path. */
export function parseFeatures(json: unknown): FeaturesFile {
  return parseWith('features.json', FeaturesFileSchema, json);
}

/** Feature id -> detector column, as matchRules wants it. */
export function featureColumns(features: FeaturesFile): Map<number, number> {
  return new Map(features.features.map((f) => [f.feature, f.column]));
}
