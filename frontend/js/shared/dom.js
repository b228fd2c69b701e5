// Building the pages' elements: user text always goes in as textContent, never as markup.

/** A new `tag` element holding `text` (when given) with the class `className` (when given). */
export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/**
 * A `tag` element holding `text` with a line break allowed after each dot before a name and inside
 * a CamelCase name, before each capital that follows a small letter (a <wbr>, which a copy of the
 * text leaves out): a narrow column broke "model.fc1.weight" anywhere it ran out ("model.fc1.weig
 * ht"), the step heading "BackwardHookFunctionBackw ard" and a narration's
 * "model.transformer.h.1.attn.c_proj.bi as's"; they now break between the names and the words. A
 * number's decimal point is no break (−0.05806 stays whole).
 */
export function wrappableEl(tag, text, className) {
  const node = el(tag, undefined, className);
  const parts = String(text).split(/(?<=\.)(?=[A-Za-z_])|(?<=[a-z])(?=[A-Z])/);
  parts.forEach((part, i) => {
    if (i) node.append(document.createElement('wbr'));
    node.append(part);
  });
  return node;
}

/**
 * Make `parent`'s children exactly `wanted` (distinct nodes), in order, leaving each one already in
 * place attached. replaceChildren() with the same nodes detaches and re-attaches every one: the rows
 * of a kept table were styled and laid out again at each step (a 100-row accumulator table, rebuilt:
 * 16 of a step's 18 ms of layout); moved or inserted, only the rows that changed are.
 */
export function syncChildren(parent, wanted) {
  const keep = new Set(wanted);
  for (let child = parent.firstChild; child; ) {
    const next = child.nextSibling;
    if (!keep.has(child)) parent.removeChild(child);
    child = next;
  }
  let at = parent.firstChild;
  for (const node of wanted) {
    if (node === at) at = at.nextSibling;
    else parent.insertBefore(node, at);
  }
}
