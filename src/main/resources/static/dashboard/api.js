// GET requests to the API. The token travels in the cookie tally_token, which Tally reads for GETs.

const COOKIE = 'tally_token';

/** An answer other than 2xx, with its problem+json title and detail when it has one. */
export class Problem extends Error {
  constructor(status, title, detail) {
    super(title + (detail ? ': ' + detail : ''));
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

export async function problemOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not problem+json: the status says enough
  }
  const title = typeof body.title === 'string' ? body.title : response.statusText || 'HTTP ' + response.status;
  return new Problem(response.status, title, typeof body.detail === 'string' ? body.detail : '');
}

/** A GET that answers the JSON body, or throws a Problem. */
export async function getJson(path) {
  const response = await fetch(path, {headers: {Accept: 'application/json'}, credentials: 'same-origin'});
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response.json();
}

/** A GET of NDJSON: its objects, or throws a Problem. */
export async function getNdjson(path) {
  const response = await fetch(path, {headers: {Accept: 'application/x-ndjson'}, credentials: 'same-origin'});
  if (!response.ok) {
    throw await problemOf(response);
  }
  const text = await response.text();
  return text.split('\n').filter(line => line.trim() !== '').map(line => JSON.parse(line));
}

export function token() {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) {
      return value.join('=');
    }
  }
  return '';
}

/** Characters a cookie value may hold unquoted (RFC 6265): a token with others cannot go in the cookie. */
export function storableToken(text) {
  return /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/.test(text);
}

export function storeToken(text) {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = COOKIE + '=' + text + '; path=/; SameSite=Strict' + secure;
}

export function clearToken() {
  document.cookie = COOKIE + '=; path=/; SameSite=Strict; Max-Age=0';
}
