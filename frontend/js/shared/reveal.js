// On a narrow screen a lab's results lie below its form (labs.css: one column under 1100 px), so a
// student who pressed Run at the end of the form kept looking at the form and saw no answer. The
// page scrolls to the results when the student asks for them, rather than putting the plot above
// the form: the page still reads top-down (what the data is, what will run, then what it gave), and
// after changing a field at the bottom of the form a plot laid first would be off screen again.

/**
 * Scroll `results` to the top of the window when the page stacks it below `form` and it does not
 * already start in the window's top quarter. Call it from the student's own click (not on opening,
 * not for a lecturer's change in follow mode), so the page moves only when asked to.
 */
export function revealResults(form, results) {
  const top = results.getBoundingClientRect().top;
  if (top < form.getBoundingClientRect().bottom) return; // beside the form: already in view
  if (top >= 0 && top <= window.innerHeight / 4) return;
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  results.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'start' });
}
