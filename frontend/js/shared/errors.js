// Errors in plain words for every page: what went wrong, where, and the fix when there is one.
// Never a bare status code ("HTTP 422") or an internal id (a model's hex id, a request id).

// Program errors (the 400 answers of /api/trace and kin) by their type.
export const PROGRAM_TITLES = {
  syntax: 'Syntax error',
  forbidden: 'Not allowed',
  limit: 'Limit reached',
  runtime: 'Runtime error',
  autograd: "PyTorch's autograd error",
};

/**
 * "line 4", or "line 4 of Cell In[3]": a line in a file other than the recorded block's (`file`, set
 * only by the notebook library, where a function is often defined in an earlier cell).
 */
export function lineText(line, file) {
  return file ? `line ${line} of ${file}` : `line ${line}`;
}

/**
 * "in train_model() called on line 32": the calls of the program's own functions an error passed
 * through (`calls` of a program error or a trace's `stopped`, innermost first); '' for none.
 */
export function callsText(calls) {
  return (calls || []).map((call) => `in ${call.function}() called on ${lineText(call.line, call.file)}`).join('; ');
}

/** ", in train_model() called on line 32" after a line number, or ''. */
export function callsAfter(calls) {
  const text = callsText(calls);
  return text ? `, ${text}` : '';
}

/** "Runtime error at line 4, column 3:": a program error's kind and place (columns count from 1),
 * and the calls it passed through when raised inside the program's functions. */
export function programErrorWhere(error) {
  const title = PROGRAM_TITLES[error.type] || error.title || 'Error';
  if (!error.line) return `${title}:`;
  const column = error.column !== null && error.column !== undefined ? `, column ${error.column + 1}` : '';
  return `${title} at line ${error.line}${column}${callsAfter(error.calls)}:`;
}

const FIXES = {
  syntax: 'Check the marked spot: a bracket, a colon or an operator is usually missing there.',
  forbidden: 'The language reference (Language, at the top of the page) lists what a program may use.',
  limit: 'Make it smaller: fewer elements, fewer loop iterations or fewer steps.',
  overloaded: 'The server is busy: wait a moment and try again.',
  too_large: 'Send less: a shorter program or fewer values.',
  data_unavailable: 'The data set is not on this server; ask whoever runs it to install it.',
  not_found: 'Reload the page: what you asked for is no longer there.',
  conflict: 'Reload the page to see its current state, then try again.',
  network: 'Check that the server is running and reachable, then try again.',
};

const STATUS_WORDS = {
  400: 'The request was not accepted.',
  401: 'That needs the job\'s token (kept by the browser that started it).',
  403: 'That is not allowed.',
  404: 'That is not there (any more).',
  409: 'That cannot be done in its current state.',
  413: 'The request is too large.',
  422: 'Some values were not accepted.',
  429: 'Too many requests at once.',
  500: 'Something went wrong on the server.',
  502: 'The server could not be reached.',
  503: 'The server is busy.',
  504: 'The server took too long to answer.',
};

// 32 hex digits (uuid4().hex), a dashed uuid, or 12+ hex digits quoted: ids a person cannot use.
const INTERNAL_ID = /'?\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,})\b'?/gi;

/** `text` with internal ids left out: "no model with id 'ab12…'" reads "no model with that id". */
export function withoutIds(text) {
  return String(text)
    .replace(/\bwith id\s+/gi, 'with that id ')
    .replace(new RegExp(`\\b(model|job|run|request)\\s+${INTERNAL_ID.source}`, 'gi'), 'this $1')
    .replace(INTERNAL_ID, '')
    .replace(/with that id\s*([.;:,)]|$)/gi, 'with that id$1')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** A field path from a 422 ("body", "runs", 0, "optimizer", "lr") as words: "runs › 1 › optimizer › lr". */
export function fieldPath(loc) {
  const parts = (loc || []).filter((p) => p !== 'body' && p !== 'query' && p !== 'path');
  return parts.map((p) => (typeof p === 'number' ? String(p + 1) : String(p).replace(/_/g, ' '))).join(' › ');
}

/** One FastAPI validation problem in words: "lr: should be greater than 0". */
function validationLine(item) {
  const where = fieldPath(item.loc);
  const what = String(item.msg || 'not accepted')
    .replace(/^Input should be/, 'should be')
    .replace(/^Field required$/, 'is missing')
    .replace(/^Extra inputs are not permitted$/, 'is not a setting this page knows');
  return where ? `${where}: ${what}` : what;
}

/**
 * What to tell the user about `error` (an ApiError, or {status, detail[, type, errors]} like one, a network failure, or an Error):
 * {title, message, fix, line, column, end_line, end_column, calls, type}; fix and positions may be null,
 * calls is [] but for a program error raised inside the program's functions.
 */
/** A program error's `detail` described as describeError describes a 400 with it: a trace's `stopped` too. */
export function describeProgramError(detail) {
  return describeError({ status: 400, detail });
}

export function describeError(error) {
  const base = { title: 'Error', message: '', fix: null, line: null, column: null, end_line: null, end_column: null, calls: [], type: null };
  if (!error) return { ...base, message: 'Something went wrong.' };
  const status = error.status;
  const detail = error.detail;
  if (status === undefined) {
    // fetch() rejects with a TypeError when the server cannot be reached at all.
    if (error instanceof TypeError && /fetch|network/i.test(error.message)) {
      return { ...base, title: 'No connection', message: 'The server could not be reached.', fix: FIXES.network, type: 'network' };
    }
    return { ...base, message: withoutIds(error.message || String(error)) };
  }
  // A 422 (docs/api.md): {type: "validation", message, errors: [{loc, msg, type}]}, one item per
  // refused field; ApiError carries them as .type and .errors.
  const errors = error.errors || (detail && Array.isArray(detail.errors) ? detail.errors : []);
  const type = error.type || (detail && typeof detail === 'object' ? detail.type : null) || null;
  if (type === 'validation' || errors.length) {
    const message = errors.length ? errors.map(validationLine).join('\n') : withoutIds(String((detail && detail.message) || ''));
    return { ...base, title: STATUS_WORDS[422], message: message || STATUS_WORDS[422], type: 'validation' };
  }
  if (detail && typeof detail === 'object') {
    const title = PROGRAM_TITLES[type] || STATUS_WORDS[status] || 'The request failed.';
    const raw = String(detail.message || '');
    // A program's own message quotes the program (its names may look like ids): keep it whole.
    let message = PROGRAM_TITLES[type] ? raw : withoutIds(raw);
    if (detail.field) message = `${fieldPath(String(detail.field).split('.'))}: ${message}`;
    let fix = FIXES[type] || null;
    if (type === 'overloaded' && detail.retry_after) fix = `The server is busy: try again in ${detail.retry_after} s.`;
    return {
      ...base,
      title,
      message: message || STATUS_WORDS[status] || 'The request failed.',
      fix,
      type,
      line: detail.line ?? null,
      column: detail.column ?? null,
      end_line: detail.end_line ?? null,
      end_column: detail.end_column ?? null,
      calls: Array.isArray(detail.calls) ? detail.calls : [],
    };
  }
  const words = STATUS_WORDS[status] || (status >= 500 ? STATUS_WORDS[500] : STATUS_WORDS[400]);
  const message = typeof detail === 'string' && detail ? withoutIds(detail) : words;
  return { ...base, title: words, message, fix: status >= 500 ? 'Try again in a moment.' : null };
}

/** The error as one text for an alert box: the message, where it is, and the fix. */
export function errorText(error) {
  const d = describeError(error);
  let text = d.message;
  if (d.line) text += ` (line ${d.line}${d.column !== null ? `, column ${d.column + 1}` : ''}${callsAfter(d.calls)})`;
  if (d.fix) text += `\n${d.fix}`;
  return text;
}

/** The one-line message an ApiError carries (for code that shows `error.message`). */
export function plainMessage(status, detail) {
  return describeError({ status, detail }).message;
}
