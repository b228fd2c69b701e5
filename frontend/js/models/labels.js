// What a model is called in the lab: its name, and when another model bears the same name, what
// tells the two apart. Two SimpleNN runs with seeds 0 and 1 (or α 0.1 and 0.01), the comparison a
// student makes, both read "simple_nn · mnist_parity": in the legend, the table and the draw-a-digit
// menu nobody could say which curve was which. The legend, the table row and the menu all take their
// label from modelLabels, so a curve and its row read the same.

// The config fields that can set two same-named models apart, in the order a label lists them.
const DIFFERENCES = [
  ['model', (c) => c.model, (v) => v],
  ['hidden', (c) => c.hidden, (v) => `hidden ${v}`],
  ['activation', (c) => c.activation, (v) => v],
  ['optimizer', (c) => c.optimizer?.name, (v) => v],
  ['lr', (c) => c.optimizer?.lr, (v) => `α ${v}`],
  ['batch', (c) => c.optimizer?.batch_size, (v) => `batch ${v}`],
  ['steps', (c) => c.steps, (v) => `${v} steps`],
  ['train size', (c) => c.train_size, (v) => `${v} images`],
  ['noise', (c) => c.noise, (v) => `noise ${v}`],
  ['seed', (c) => c.seed, (v) => `seed ${v}`],
];

const shownValue = (value) => value ?? '–'; // a field one run gave and another left to the server

/**
 * id → label for `models` ({id, name, config}, in creation order): the name alone when no other model
 * has it; else the name and the config values in which the same-named models differ ("seed 1",
 * "α 0.1"); else (nothing in the config differs) an ordinal, "#2".
 */
export function modelLabels(models) {
  const byName = new Map();
  for (const m of models) byName.set(m.name, [...(byName.get(m.name) || []), m]);
  const labels = new Map();
  for (const [name, same] of byName) {
    if (same.length === 1) {
      labels.set(same[0].id, name);
      continue;
    }
    // A record whose config is unreadable (null, another version's) has nothing to compare: numbered.
    const readable = same.filter((m) => m.config);
    const differ = DIFFERENCES.filter(([, read]) => new Set(readable.map((m) => JSON.stringify(read(m.config) ?? null))).size > 1);
    const described = same.map((m) => {
      const parts = m.config ? differ.map(([, read, say]) => say(shownValue(read(m.config)))) : [];
      return parts.length ? `${name} · ${parts.join(', ')}` : name;
    });
    // Models that still read alike (no difference the config shows) are numbered in creation order.
    same.forEach((m, i) => {
      const twins = described.filter((text) => text === described[i]).length;
      const ordinal = described.slice(0, i + 1).filter((text) => text === described[i]).length;
      labels.set(m.id, twins > 1 ? `${described[i]} #${ordinal}` : described[i]);
    });
  }
  return labels;
}

/**
 * `text`, or its start and end around "…", as long as `fits` accepts: the end holds what tells two
 * same-named models apart ("· seed 1"), the start the name. A phone's legend cut a long name at the
 * plot's edge, with the "· train" or "· test" after it.
 */
export function middleCut(text, fits) {
  if (fits(text)) return text;
  for (let keep = text.length - 1; keep > 1; keep -= 1) {
    const cut = `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`;
    if (fits(cut)) return cut;
  }
  return `${text.slice(0, 1)}…`;
}
