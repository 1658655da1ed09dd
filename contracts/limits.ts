// Plain constants (no zod), so services can use them at runtime without bundling the schema library.

/** The longest text a job takes, in UTF-16 code units: what zod's max() and JavaScript's length count. */
export const JOB_TEXT_MAX_LENGTH = 20_000;

/**
 * The most bytes a JSON string of `length` UTF-16 code units takes, whitespace aside: its quotes, and every unit
 * written as a `\uXXXX` escape (6 bytes; UTF-8 needs at most 3 bytes per unit, and 4 per surrogate pair).
 */
export const worstCaseJsonStringBytes = (length: number): number => 2 + 6 * length;

/** What a body may carry besides the job text's worst case: the rest of the object, and whitespace around it. */
const JSON_FRAMING_BYTES = 8 * 1024;

/**
 * The largest request body every service parses (express.json's limit): a larger one answers 413. Sized so any
 * spelling of the longest job text the contract accepts fits.
 */
export const JSON_BODY_LIMIT_BYTES = worstCaseJsonStringBytes(JOB_TEXT_MAX_LENGTH) + JSON_FRAMING_BYTES;
