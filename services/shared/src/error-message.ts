/** The message of anything thrown, for a log field or an answer's `error`. */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
