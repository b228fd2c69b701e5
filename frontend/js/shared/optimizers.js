// The update rules the API takes (the one `Optimizer` schema, docs/api.md): names, menu labels, and
// where each applies. Newton and L-BFGS read the whole function at every step (a Hessian, a line
// search): the trajectory lab's few parameters afford it, a network's training does not (the server
// refuses them there). sgd's minibatch is training's alone: a test function has no data to sample.

/** Every optimizer name the API accepts, in the schema's order, with the label a menu shows. */
export const OPTIMIZERS = Object.freeze([
  { name: 'gd', label: 'full-batch GD (lecture)', trajectoryLabel: 'gd (the lecture’s update)', training: true, trajectory: true, rule: 'x ← x − lr·∇f' },
  { name: 'sgd', label: 'SGD minibatch', training: true, trajectory: false, rule: 'x ← x − lr·∇f of a minibatch' },
  { name: 'momentum', label: 'momentum', training: true, trajectory: true, rule: 'v ← μv + ∇f;  x ← x − lr·v' },
  { name: 'nesterov', label: 'Nesterov momentum', training: true, trajectory: true, rule: 'v ← μv + ∇f;  x ← x − lr·(∇f + μv)' },
  { name: 'adagrad', label: 'Adagrad', training: true, trajectory: true, rule: 's ← s + ∇f²;  x ← x − lr·∇f / (√s + ε)' },
  { name: 'rmsprop', label: 'RMSprop', training: true, trajectory: true, rule: 's ← αs + (1 − α)∇f²;  x ← x − lr·∇f / (√s + ε)' },
  { name: 'adam', label: 'Adam', training: true, trajectory: true, rule: 'm, s ← averages of ∇f, ∇f²;  x ← x − lr·m̂ / (√ŝ + ε)' },
  { name: 'newton', label: 'Newton (Hessian by autograd)', trajectoryLabel: 'newton', training: false, trajectory: true, rule: 'x ← x − lr·H⁻¹∇f, H the Hessian (autograd, each step)' },
  { name: 'lbfgs', label: 'L-BFGS (line search)', trajectoryLabel: 'lbfgs', training: false, trajectory: true, rule: 'x ← x + t·d, d ≈ −H⁻¹∇f from recent gradients, t by line search' },
]);

/** The update rule of `name`, as a line under the menu says it (its symbols as PyTorch computes). */
export function updateRule(name) {
  const entry = OPTIMIZERS.find((o) => o.name === name);
  return entry ? entry.rule : '';
}

/** The names offered for `use` ('training' or 'trajectory'), in the schema's order. */
export function optimizerNames(use) {
  return OPTIMIZERS.filter((o) => o[use]).map((o) => o.name);
}

/** Fill a <select> with one option per optimizer `use` takes; `selected` is chosen. */
export function fillOptimizerSelect(select, selected = 'gd', use = 'training') {
  select.replaceChildren(...OPTIMIZERS.filter((o) => o[use]).map(({ name, label, trajectoryLabel }) => {
    const option = select.ownerDocument.createElement('option');
    option.value = name;
    option.textContent = use === 'trajectory' && trajectoryLabel ? trajectoryLabel : label;
    option.selected = name === selected;
    return option;
  }));
}
