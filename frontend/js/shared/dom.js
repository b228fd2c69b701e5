// Building the pages' elements: user text always goes in as textContent, never as markup.

/** A new `tag` element holding `text` (when given) with the class `className` (when given). */
export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}
