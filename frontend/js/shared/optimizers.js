// The update rules the API takes (the one `Optimizer` schema, docs/api.md): names and menu labels.

/** Every optimizer name the API accepts, in the schema's order, with the label a menu shows. */
export const OPTIMIZERS = Object.freeze([
  { name: 'gd', label: 'full-batch GD (lecture)' },
  { name: 'sgd', label: 'SGD minibatch' },
  { name: 'momentum', label: 'momentum' },
  { name: 'nesterov', label: 'Nesterov momentum' },
  { name: 'adagrad', label: 'Adagrad' },
  { name: 'rmsprop', label: 'RMSprop' },
  { name: 'adam', label: 'Adam' },
]);

/** Fill a <select> with one option per optimizer; `selected` is chosen. */
export function fillOptimizerSelect(select, selected = 'gd') {
  select.replaceChildren(...OPTIMIZERS.map(({ name, label }) => {
    const option = select.ownerDocument.createElement('option');
    option.value = name;
    option.textContent = label;
    option.selected = name === selected;
    return option;
  }));
}
