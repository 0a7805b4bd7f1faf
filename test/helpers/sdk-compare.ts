// What the two SDK proxy tests (Node server, workerd Worker) share: the known-answer prompt and
// its gloss, one call made directly and through Gloss with both outcomes kept, and the OpenAI Chat
// turns that carry the prompt beside an image part. Plain TypeScript, so it runs in workerd too.
import { expect } from 'vitest';

/** A user text the known-answer bundle glosses, and that text as the upstream must receive it. */
export const HALF = 'she sold half as many clips';
export const HALF_GLOSSED = 'she sold half ⟦gloss: "half" means one half of the amount mentioned before⟧ as many clips';

/** A call's value, or what it threw. */
export interface Settled<T> {
  value?: T;
  error?: any;
}

/** Awaits `p`, keeping a rejection as `error` instead of throwing it. */
export async function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

/** Every item of an SDK stream, in order. */
export async function collect<T>(s: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of s) out.push(x);
  return out;
}

/**
 * Runs `call` directly against the fake upstream, then through Gloss; `received` lists what the
 * fake got, which must be exactly those two requests. Returns both outcomes and both requests.
 */
export async function directThenGloss<T, R>(
  call: (direct: boolean) => Promise<T>,
  received: () => R[] | Promise<R[]>,
): Promise<{ direct: Settled<T>; gloss: Settled<T>; sent: R; got: R }> {
  const direct = await settle(call(true));
  const gloss = await settle(call(false));
  const reqs = await received();
  expect(reqs).toHaveLength(2);
  return { direct, gloss, sent: reqs[0], got: reqs[1] };
}

/** OpenAI Chat turns: a system prompt, then a user turn of two parts, the text HALF and an image. */
export function halfWithImageTurns(system: string, imageUrl: string) {
  return [
    { role: 'system' as const, content: system },
    {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: HALF },
        { type: 'image_url' as const, image_url: { url: imageUrl } },
      ],
    },
  ];
}
