/**
 * Content-Type parsing (RFC 9110 §8.3.1): `type/subtype; param=value; param="quoted"`.
 * Hand-written because it is a dozen lines on the hot path and every option we'd import
 * (content-type, whatwg-mimetype) allocates more than we need for `mimetype` and `charset`.
 */

/** A parsed media type: lower-cased `mimetype`, and parameters with lower-cased names. */
export interface ParsedContentType {
  readonly mimetype: string;
  readonly params: Readonly<Record<string, string>>;
}

const EMPTY: ParsedContentType = Object.freeze({ mimetype: '', params: Object.freeze({}) });

/** Parses a Content-Type header value; an absent or malformed one gives an empty mimetype. */
export function parseContentType(value: string | null | undefined): ParsedContentType {
  if (!value) return EMPTY;
  const semi = value.indexOf(';');
  const mimetype = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  // A null prototype: parameter names come from the peer (`constructor`, `__proto__`).
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (semi !== -1) {
    let i = semi + 1;
    const n = value.length;
    while (i < n) {
      while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
      const eq = value.indexOf('=', i);
      if (eq === -1) break;
      const name = value.slice(i, eq).trim().toLowerCase();
      i = eq + 1;
      let v = '';
      if (value[i] === '"') {
        i++;
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++;
          v += value[i];
          i++;
        }
        i++;
        const next = value.indexOf(';', i);
        i = next === -1 ? n : next + 1;
      } else {
        const next = value.indexOf(';', i);
        v = (next === -1 ? value.slice(i) : value.slice(i, next)).trim();
        i = next === -1 ? n : next + 1;
      }
      if (name && !Object.hasOwn(params, name)) params[name] = v;
    }
  }
  return { mimetype, params };
}

/** True for `application/json` and any `+json` suffix type (aiohttp's `is_expected_content_type`). */
export function isJsonMimetype(mimetype: string): boolean {
  return mimetype === 'application/json' || (mimetype.startsWith('application/') && mimetype.endsWith('+json'));
}
