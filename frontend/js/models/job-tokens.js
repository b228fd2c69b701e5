// The tokens of the jobs this browser created. POST /api/models hands each job's token out once;
// cancelling (or deleting) the job needs it. They live in localStorage, so a reload can still cancel.

import { postJSON } from '../shared/api.js';

const KEY = 'autograd-explorer.job-tokens';

/** A token store over `storage` (localStorage in the page; any getItem/setItem object in tests). */
export function jobTokens(storage) {
  let memory = {}; // used alone when storage is unavailable (disabled, full, private mode)
  const read = () => {
    try {
      const stored = JSON.parse(storage.getItem(KEY) || '{}');
      if (stored && typeof stored === 'object' && !Array.isArray(stored)) memory = stored;
    } catch { /* unreadable or disabled: keep what this tab knows */ }
    return memory;
  };
  const write = (tokens) => {
    memory = tokens;
    try {
      storage.setItem(KEY, JSON.stringify(tokens));
    } catch { /* this tab still holds them */ }
  };
  return {
    get: (id) => (typeof read()[id] === 'string' ? read()[id] : null),
    remember: (id, token) => write({ ...read(), [id]: token }),
    /** Forget the tokens of jobs the server no longer lists (deleted elsewhere). */
    keepOnly: (ids) => {
      const known = new Set(ids);
      write(Object.fromEntries(Object.entries(read()).filter(([id]) => known.has(id))));
    },
  };
}

/** The Authorization header a job's token goes in. */
export const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/** POST /api/models/{id}/cancel with the job's token; the updated record, or an ApiError. */
export const cancelJob = (id, token) =>
  postJSON(`/api/models/${encodeURIComponent(id)}/cancel`, undefined, bearer(token));
