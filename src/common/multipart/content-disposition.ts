/**
 * Content-Disposition parsing (RFC 6266, with RFC 8187 ext-values and RFC 2231 continuations),
 * shared by the multipart reader and writer. Hand-written: busboy's parseParams is internal to it
 * and folds every parameter into one charset, and the npm `content-disposition` package is
 * strict enough to reject what browsers send (raw UTF-8, Windows paths).
 */

/** A parsed Content-Disposition value. */
export interface ContentDisposition {
  /** Lower-cased disposition type: `form-data`, `attachment`, `inline`; '' when absent. */
  readonly type: string;
  /**
   * Parameters by lower-cased name, values unquoted; `name*` ext-values are stored decoded
   * under their own `name*` key, RFC 2231 continuations (`name*0`, `name*1*`) joined under `name*`.
   */
  readonly params: Readonly<Record<string, string>>;
  /** The `name` parameter (form field name), preferring `name*`. */
  readonly name: string | undefined;
  /** The `filename` parameter, preferring `filename*` (RFC 6266 §4.3). */
  readonly filename: string | undefined;
}

const EMPTY: ContentDisposition = Object.freeze({
  type: '', params: Object.freeze({}), name: undefined, filename: undefined,
});

/** Parses a Content-Disposition header value; never throws, an absent value gives an empty type. */
export function parseContentDisposition(value: string | null | undefined): ContentDisposition {
  if (!value) return EMPTY;
  const n = value.length;
  let i = value.indexOf(';');
  const type = (i === -1 ? value : value.slice(0, i)).trim().toLowerCase();
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  // RFC 2231 §3 continuations: name*0, name*1*, ... collected by index, joined at the end.
  let continuations: Map<string, Array<{ value: string; encoded: boolean }>> | undefined;
  if (i === -1) i = n;
  while (i < n) {
    i++;
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    let eq = i;
    while (eq < n && value[eq] !== '=' && value[eq] !== ';') eq++;
    const key = value.slice(i, eq).trim().toLowerCase();
    if (eq >= n || value[eq] === ';') {
      i = eq;
      continue;
    }
    i = eq + 1;
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    let v = '';
    if (value[i] === '"') {
      [v, i] = readQuoted(value, i + 1);
      while (i < n && value[i] !== ';') i++;
    } else {
      const semi = value.indexOf(';', i);
      const end = semi === -1 ? n : semi;
      v = value.slice(i, end).trim();
      i = end;
    }
    if (!key) continue;
    const cont = /^(.+)\*(\d+)(\*?)$/.exec(key);
    if (cont) {
      continuations ??= new Map();
      const base = cont[1]!;
      let parts = continuations.get(base);
      if (!parts) continuations.set(base, (parts = []));
      const index = Number(cont[2]);
      if (index < 1000 && parts[index] === undefined) parts[index] = { value: v, encoded: cont[3] === '*' };
      continue;
    }
    if (Object.hasOwn(params, key)) continue;
    params[key] = key.endsWith('*') ? decodeExtValue(v) : v;
  }
  if (continuations) {
    for (const [base, parts] of continuations) {
      if (Object.hasOwn(params, `${base}*`)) continue;
      // The charset'lang' prefix sits on the first encoded section only (RFC 2231 §4.1).
      let charset: string | undefined;
      let raw = '';
      for (let k = 0; k < parts.length; k++) {
        const part = parts[k];
        if (part === undefined) break;
        if (!part.encoded) {
          raw += escapePercent(part.value);
          continue;
        }
        let text = part.value;
        if (k === 0) {
          const m = /^([^']*)'[^']*'(.*)$/s.exec(text);
          if (m) {
            charset = m[1];
            text = m[2]!;
          }
        }
        raw += text;
      }
      params[`${base}*`] = percentDecode(raw, charset ?? 'utf-8');
    }
  }
  return {
    type,
    params,
    name: params['name*'] ?? legacyPercentDecode(formDecode(params['name'])),
    filename: params['filename*'] ?? legacyPercentDecode(formDecode(params['filename'])),
  };
}

/**
 * Reads a quoted-string from just after its opening quote; returns the value and the index of the
 * closing quote (or the end). RFC 7578 §4.2: only `\"` and `\\` are unescaped, so Windows paths keep
 * their backslashes. Browsers send a backslash raw (WHATWG), so a `\"` that leaves no closing quote
 * before the next `;` is read as a trailing backslash and the closing quote.
 */
function readQuoted(value: string, start: number): [string, number] {
  const n = value.length;
  let v = '';
  let i = start;
  let firstEscapedQuote = -1;
  while (i < n && value[i] !== '"') {
    if (value[i] === '\\' && (value[i + 1] === '"' || value[i + 1] === '\\')) {
      if (value[i + 1] === '"' && firstEscapedQuote === -1) firstEscapedQuote = i;
      i++;
    }
    v += value[i];
    i++;
  }
  if (firstEscapedQuote === -1 || (i < n && /^[ \t]*(?:;|$)/.test(value.slice(i + 1)))) return [v, i];
  v = '';
  for (i = start; i < firstEscapedQuote; i++) {
    if (value[i] === '\\' && value[i + 1] === '\\') i++;
    v += value[i];
  }
  return [v + '\\', firstEscapedQuote + 1];
}

/**
 * The WHATWG multipart/form-data name decoding (Fetch, "parse a multipart/form-data name"):
 * browsers, curl and our writer send `"`, CR and LF in names and file names as %22, %0D and %0A.
 * Like theirs, it is lossy for a name holding those three sequences literally.
 */
function formDecode(value: string | undefined): string | undefined {
  if (value === undefined || value.indexOf('%') === -1) return value;
  return value.replace(/%(?:22|0d|0a)/gi, (m) => (m === '%22' ? '"' : m[2] === 'D' || m[2] === 'd' ? '\r' : '\n'));
}

/**
 * aiohttp < 3.9 clients percent-encode non-ASCII names inside the quoted `name`/`filename`
 * (`quote_fields=True`) and send no `filename*`. Browsers send raw UTF-8 and escape only `"`, CR
 * and LF, so a quoted value holding a percent-encoded UTF-8 sequence (%80-%FF) that decodes
 * cleanly is taken as aiohttp's encoding; anything else, such as a literal "100%.txt", is kept.
 */
function legacyPercentDecode(value: string | undefined): string | undefined {
  if (value === undefined || !/%[89a-fA-F][0-9a-fA-F]/.test(value)) return value;
  if (/[^\x00-\x7f]/.test(value)) return value;
  return percentDecode(value, 'utf-8');
}

/** RFC 8187 §3.2 ext-value: `charset'[language]'pct-encoded`; a malformed one is kept as sent. */
function decodeExtValue(value: string): string {
  const m = /^([^']*)'[^']*'(.*)$/s.exec(value);
  if (!m) return value;
  return percentDecode(m[2]!, m[1]!);
}

function escapePercent(text: string): string {
  return text.replace(/%/g, '%25');
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

function percentDecode(text: string, charset: string): string {
  const cs = charset.toLowerCase();
  const bytes: number[] = [];
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x25 && k + 2 < text.length && /^[0-9a-fA-F]{2}$/.test(text.slice(k + 1, k + 3))) {
      bytes.push(parseInt(text.slice(k + 1, k + 3), 16));
      k += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(text[k]!, 'utf8')) bytes.push(b);
    }
  }
  const buf = Uint8Array.from(bytes);
  if (cs === 'iso-8859-1' || cs === 'latin1') return Buffer.from(buf).toString('latin1');
  try {
    return cs === 'utf-8' || cs === 'utf8' || cs === '' ? utf8Fatal.decode(buf) : new TextDecoder(cs).decode(buf);
  } catch {
    return text;
  }
}
