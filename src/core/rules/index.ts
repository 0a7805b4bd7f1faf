// Rules: the rules.json / features.json schemas and matching of rules on detector activations.
export * from './schema.ts';
export * from './match.ts';
export { renderGloss, MAX_SPAN_IN_GLOSS } from './render.ts';
export { expandToWords, phraseEnd, snapBackward, snapForward, insideGrapheme, type TextRange } from './boundaries.ts';
export { scoreGate, type GateResult } from './gate.ts';
