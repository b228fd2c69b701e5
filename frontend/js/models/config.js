// Training configs: the form's values as a POST /api/models body, and the lecture's two runs.

/** The lecture's comparison (CONTENT.md §6): both models, α = 0.01, 1000 full-batch steps, all 60k images. */
export const LECTURE_RUNS = [
  { dataset: 'mnist_parity', model: 'logistic', optimizer: { name: 'gd', lr: 0.01 }, steps: 1000, seed: 0, name: 'Lecture: logistic regression' },
  { dataset: 'mnist_parity', model: 'simple_nn', optimizer: { name: 'gd', lr: 0.01 }, steps: 1000, seed: 0, name: 'Lecture: SimpleNN 784→32→1' },
];

const intOrNull = (text) => (String(text ?? '').trim() === '' ? null : Number.parseInt(text, 10));
const numberOrNull = (text) => (String(text ?? '').trim() === '' ? null : Number(text));

/** A request body from the form's raw string values; empty optional fields are left to the server. */
export function configFromForm(values) {
  const is2d = values.dataset !== 'mnist_parity';
  const body = {
    dataset: values.dataset,
    model: values.model,
    optimizer: { name: values.optimizer, lr: numberOrNull(values.lr) ?? 0.01 },
    steps: intOrNull(values.steps) ?? 1000,
    seed: intOrNull(values.seed) ?? 0,
  };
  const optional = {
    hidden: values.model === 'logistic' ? null : intOrNull(values.hidden),
    activation: values.model === 'logistic' ? null : values.activation || null,
    train_size: intOrNull(values.trainSize),
    noise: is2d ? numberOrNull(values.noise) : null,
    name: (values.name || '').trim() || null,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== null) body[key] = value;
  const batch = intOrNull(values.batch);
  if (values.optimizer !== 'gd' && batch !== null) body.optimizer.batch_size = batch;
  return body;
}

/** A short description of a stored config for tables and job lists (null: one the server no
 * longer reads, from another version). */
export function describeConfig(config) {
  if (!config) return { data: '?', optimizer: '?' };
  const data = config.dataset === 'mnist_parity' ? 'MNIST' : config.dataset;
  const opt = config.optimizer || {};
  const batch = opt.batch_size ? `, batch ${opt.batch_size}` : '';
  return { data, optimizer: `${opt.name} α=${opt.lr}${batch}` };
}
