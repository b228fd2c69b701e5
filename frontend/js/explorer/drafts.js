// The student's own program, kept in the browser (localStorage) so an example or a reload never loses it.

export const DRAFT_KEY = 'autograd-explorer:draft';
const EMPTY = Object.freeze({ source: '', inputs: {} });

/** The saved draft {source, inputs}, or an empty one when nothing (or nothing readable) is stored. */
export function loadDraft(storage) {
  try {
    const saved = JSON.parse(storage.getItem(DRAFT_KEY));
    if (!saved || typeof saved.source !== 'string') return { ...EMPTY };
    const inputs = saved.inputs && typeof saved.inputs === 'object' && !Array.isArray(saved.inputs) ? saved.inputs : {};
    return { source: saved.source, inputs };
  } catch {
    return { ...EMPTY }; // storage disabled or a damaged entry: start empty rather than fail the page
  }
}

/** Save `draft`; a full or disabled storage only loses persistence, never the text on screen. */
export function saveDraft(storage, draft) {
  try {
    storage.setItem(DRAFT_KEY, JSON.stringify({ source: draft.source, inputs: draft.inputs || {} }));
    return true;
  } catch {
    return false;
  }
}
