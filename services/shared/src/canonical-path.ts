const MAY_NOT_BE_CANONICAL = /%|\/\/|\/\./;

/**
 * Whether a path names one resource one way: no empty, "." or ".." segment, raw or percent-encoded (a trailing slash
 * aside). Routes never match the others, but static files were found through them ("//", "/./index.html").
 */
export function isCanonicalPath(path: string): boolean {
  // Most paths have no percent sign, empty segment or dot segment: answered without decoding or splitting.
  if (!MAY_NOT_BE_CANONICAL.test(path)) return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true; // Not valid percent-encoding: Express answers it with a 400.
  }
  const segments = decoded.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  return segments.every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
