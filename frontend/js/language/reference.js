// The /api/language answer as sections of rows, and the filter over them (pure: tested with node).

/** Sections {id, title, rows: [{code, also, summary}]} in reading order from the server's table. */
export function languageSections(language) {
  const functions = (language.functions || []).map((f) => ({
    code: f.name,
    also: (f.spellings || []).filter((s) => s !== f.name),
    summary: f.summary || '',
  }));
  const entries = (list) => (list || []).map((m) => ({ code: m.name, also: m.settable ? ['settable'] : [], summary: m.summary || '' }));
  const bare = (list) => (list || []).map((text) => ({ code: text, also: [], summary: '' }));
  return [
    { id: 'statements', title: 'Statements', rows: bare(language.statements) },
    { id: 'operators', title: 'Operators', rows: bare(language.operators) },
    { id: 'functions', title: 'Functions', rows: functions },
    { id: 'methods', title: 'Tensor methods', rows: entries(language.methods) },
    { id: 'attributes', title: 'Tensor attributes', rows: entries(language.attributes) },
    { id: 'constants', title: 'Constants', rows: bare(language.constants) },
  ].filter((section) => section.rows.length > 0);
}

/** The sections keeping only rows whose code, other spellings or summary contain `query` (any case). */
export function filterSections(sections, query) {
  const q = query.trim().toLowerCase();
  if (!q) return sections;
  const hit = (row) => [row.code, ...row.also, row.summary].some((text) => text.toLowerCase().includes(q));
  return sections.map((s) => ({ ...s, rows: s.rows.filter(hit) })).filter((s) => s.rows.length > 0);
}
