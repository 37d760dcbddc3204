/**
 * Page cursors: an opaque base64url form of the last id of a page.
 *
 * @module
 */
import { InvalidArgumentError } from '@crmkit/model';
import { runtime } from '../runtime/runtime';

/** The cursor after `id`. */
export function encodeCursor(id: string): string {
  return runtime.btoa(id).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The id a cursor stands for; a malformed cursor is an `INVALID_ARGUMENT` error. */
export function decodeCursor(cursor: string): string {
  try {
    const base64 = cursor.replace(/-/g, '+').replace(/_/g, '/');
    return runtime.atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  } catch (cause) {
    throw new InvalidArgumentError({ argument: 'cursor', message: '[crmkit/core] Invalid cursor.', cause });
  }
}
