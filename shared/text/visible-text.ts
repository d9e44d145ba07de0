/**
 * How much a person actually wrote: the minimum length of a reason, justification or comment counts visible
 * characters only. White space, control and format characters (zero-width space, joiners, BOM, bidi marks), other
 * default-ignorable code points (variation selectors, fillers such as U+3164), the blank braille pattern and lone
 * surrogates do not count; a user-perceived character (grapheme cluster, e.g. "é" as e + U+0301 or 👍🏽) counts once.
 * The control plane, main's IPC validation and the console's dialogs all use these functions, so they agree.
 */

const INVISIBLE = /^[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cs}\u2800]*$/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The number of visible characters in `text` (grapheme clusters with at least one visible code point). */
export function visibleLength(text: string): number {
  let n = 0;
  for (const { segment } of graphemes.segment(text)) if (!INVISIBLE.test(segment)) n++;
  return n;
}

/** How many more visible characters `text` needs to reach `min` (0 when it is long enough). */
export function visibleShortfall(text: string, min: number): number {
  return Math.max(0, min - visibleLength(text));
}

/** A sentence saying how many more characters are needed, or null when `text` has at least `min` visible ones. */
export function shortfallMessage(text: string, min: number): string | null {
  const missing = visibleShortfall(text, min);
  if (missing === 0) return null;
  const chars = missing === 1 ? 'character' : 'characters';
  return `${missing} more ${chars} needed (at least ${min}; spaces and invisible characters do not count).`;
}
