/**
 * Page cursors: an opaque base64url form of the last id of a page.
 *
 * @module
 */
import { base64UrlDecode, base64UrlEncode, InvalidArgumentError } from '@crmkit/model';

/** The cursor after `id`. */
export function encodeCursor(id: string): string {
  return base64UrlEncode(id);
}

/** The id a cursor stands for; a malformed cursor is an `INVALID_ARGUMENT` error. */
export function decodeCursor(cursor: string): string {
  try {
    return base64UrlDecode(cursor);
  } catch (cause) {
    throw new InvalidArgumentError({ argument: 'cursor', message: '[crmkit/core] Invalid cursor.', cause });
  }
}
