import type { RequestHandler } from 'express';
import { notFoundHandler } from './errors.js';

/**
 * Whether a path names one resource one way: no empty, "." or ".." segment, raw or percent-encoded (a trailing slash
 * aside). Routes never match the others, but static files were found through them ("//", "/./index.html").
 */
export function isCanonicalPath(path: string): boolean {
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

/** Answers a path that is not canonical with the JSON 404 of an unknown route (mount before the routes). */
export const canonicalPathsOnly: RequestHandler = (req, res, next) => (isCanonicalPath(req.path) ? next() : notFoundHandler(req, res, next));
