// The REST client every page uses. Errors come back as ApiError carrying the server's detail,
// with a message in plain words (shared/errors.js), never a bare "HTTP 422".

import { plainMessage } from './errors.js';

/**
 * A non-2xx answer. Every error body is {detail: {type, message, ...}} (docs/api.md); a 422's
 * detail.errors lists each refused field as {loc, msg, type}.
 */
export class ApiError extends Error {
  constructor(status, detail) {
    super(plainMessage(status, detail));
    this.status = status;
    this.detail = detail;
    this.type = (detail && detail.type) || null;
    this.errors = (detail && Array.isArray(detail.errors) && detail.errors) || [];
  }
}

async function request(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, data && data.detail !== undefined ? data.detail : data);
  }
  return data;
}

export const getJSON = (path, headers) => request('GET', path, undefined, headers);
export const postJSON = (path, body, headers) => request('POST', path, body, headers);
export const deleteJSON = (path, headers) => request('DELETE', path, undefined, headers);

/**
 * Every item of a paged list ({items, next_cursor}, docs/api.md): follows next_cursor until it is
 * null. `get` is getJSON (a parameter so node tests can page through a fake server).
 */
export async function getAllPages(path, get = getJSON) {
  const items = [];
  const join = path.includes('?') ? '&' : '?';
  let cursor = null;
  do {
    const page = await get(cursor === null ? path : `${path}${join}cursor=${encodeURIComponent(cursor)}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null && cursor !== undefined);
  return items;
}

export const putJSON = (path, body, headers) => request('PUT', path, body, headers);
