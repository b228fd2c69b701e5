// Follow mode (docs/api.md, /api/rooms): a lecturer shares the page's state in a room; students
// follow it live over server-sent events, leave to explore on their own and rejoin with one click.
//
// Each page hands mountFollow its store, the store keys worth sharing, and two functions:
// snapshot() → the page's shareable state (plain JSON) and apply(state) → show that state. The
// room (code, and the lecturer's token) lives in sessionStorage, so it survives moving between
// pages in the same tab; a follower whose lecturer moved to another page is taken there.

import { deleteJSON, getJSON, postJSON, putJSON } from './api.js';
import { PAGES } from './nav.js';

const STORAGE_KEY = 'autograd-explorer:room';
const ROOM_PARAM = /(?:^#|[#&])room=([A-Za-z0-9-]{4,24})(?:&|$)/;
export const PUBLISH_DELAY_MS = 120; // a burst of steps (a held arrow key) is one PUT

/** The room code in a URL hash (`#room=abc-def` → 'ABCDEF'), or null. */
export function roomFromHash(hash) {
  const match = ROOM_PARAM.exec(hash || '');
  return match ? match[1].replace(/-/g, '').toUpperCase() : null;
}

/** The hash without its `room=` part (what the page's own hash state reads). */
export function withoutRoom(hash) {
  const rest = (hash || '').replace(/^#/, '').split('&').filter((part) => !part.startsWith('room='));
  return rest.length && rest.join('&') ? `#${rest.join('&')}` : '';
}

/** `fn` called once `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.flush = (...args) => {
    clearTimeout(timer);
    fn(...args);
  };
  return debounced;
}

/** A room code typed by a student, as the server stores it ('abc def' → 'ABCDEF'), or null. */
export function typedCode(text) {
  const code = (text || '').replace(/[\s-]/g, '').toUpperCase();
  return /^[2-9A-HJKMNP-Z]{6}$/.test(code) ? code : null;
}

/** The page to open for a lecturer's state on another page, keeping the room in the hash. */
export function pageHref(page, code) {
  const target = PAGES.find((p) => p.id === page);
  return target ? `${target.href}#room=${code}` : null;
}

function readSession(storage) {
  try {
    const room = JSON.parse(storage.getItem(STORAGE_KEY) || 'null');
    return room && typeof room.code === 'string' ? room : null;
  } catch {
    return null;
  }
}

function writeSession(storage, room) {
  if (room) storage.setItem(STORAGE_KEY, JSON.stringify(room));
  else storage.removeItem(STORAGE_KEY);
}

// Read at import, before the page writes its own state into the hash.
const linkedCode = roomFromHash(window.location.hash);
if (linkedCode) {
  const hash = withoutRoom(window.location.hash);
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${hash}`);
}

/** Resolves once the page's own start-up (which loads its defaults) is over: body[data-ready]. */
function pageReady() {
  if (document.body.dataset.ready) return Promise.resolve();
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!document.body.dataset.ready) return;
      observer.disconnect();
      resolve();
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
  });
}

function button(text, onClick, className = '') {
  const el = document.createElement('button');
  el.type = 'button';
  el.textContent = text;
  if (className) el.className = className;
  el.addEventListener('click', onClick);
  return el;
}

/**
 * Follow mode on this page. `page` is the nav id ('explorer', 'optimize', 'models', …); `keys` the
 * store keys whose changes a lecturer shares; `snapshot()` and `apply(state)` as above.
 */
export function mountFollow({ page, store, keys, snapshot, apply, storage = window.sessionStorage }) {
  const header = document.querySelector('header.topbar');
  const tools = document.createElement('div');
  tools.className = 'follow-tools'; // page-tools.js moves it among the top bar's tools
  header.append(tools);
  let room = readSession(storage);
  if (linkedCode && (!room || room.code !== linkedCode)) room = { code: linkedCode, following: true };
  let source = null; // the EventSource of a follower
  let lastShared = '';
  let message = '';

  const save = () => writeSession(storage, room);

  async function publish() {
    if (!room || !room.token) return;
    const body = { page, state: snapshot() };
    const text = JSON.stringify(body);
    if (text === lastShared) return;
    lastShared = text;
    try {
      await putJSON(`/api/rooms/${room.code}/state`, body, { Authorization: `Bearer ${room.token}` });
      document.body.dataset.roomVersion = String(Number(document.body.dataset.roomVersion || 0) + 1);
    } catch (error) {
      lastShared = '';
      if (error.status === 404 || error.status === 403) endRoom(`Room ${room.code} has closed (${error.message})`);
      else setMessage(`Not shared: ${error.message}`);
    }
  }
  const schedule = debounce(publish, PUBLISH_DELAY_MS);
  store.on(keys, () => schedule());

  let latest = null;
  let latestVersion = -1;
  async function show(shared, version) {
    if (!shared || typeof shared !== 'object') return; // nothing shared yet
    // A page that opens in a room asks for the state (GET) and listens (SSE) at once: the GET's
    // answer can be parsed after the stream's newer event, and must not replace it (a student was
    // left on the lecturer's previous state: tests/frontend/test_follow.py, 3 in 8 runs).
    if (version < latestVersion) return;
    latestVersion = version;
    // Applied after the page's start-up, else its default example would replace the lecturer's.
    latest = shared;
    await pageReady();
    if (latest !== shared) return; // a newer one came meanwhile
    if (shared.page !== page) {
      const href = pageHref(shared.page, room.code);
      if (href) window.location.assign(href);
      return;
    }
    apply(shared.state);
    document.body.dataset.followed = String(version); // the version shown (tests and bench/follow_bench.py)
  }

  function listen() {
    if (source) return;
    source = new EventSource(`/api/rooms/${room.code}/events`);
    source.addEventListener('state', (event) => {
      if (room && room.following) show(JSON.parse(event.data), Number(event.lastEventId));
    });
    // The lecturer pressed "End room" (or the room closed after its idle time): stop following.
    source.addEventListener('ended', () => endRoom(`The lecture has ended: room ${room.code} is closed.`));
    source.addEventListener('error', () => {
      // EventSource reconnects by itself (resuming after its last version) unless the server said
      // no, e.g. a 404 for a room that expired.
      if (source && source.readyState === EventSource.CLOSED) endRoom(`Room ${room.code} is not open any more.`);
    });
  }

  function stopListening() {
    if (source) source.close();
    source = null;
  }

  function setMessage(text) {
    message = text;
    render();
  }

  function endRoom(text) {
    stopListening();
    room = null;
    save();
    setMessage(text);
  }

  // The lecturer's "End room": the server closes the room, so followers are told at once and the
  // code stops working (a forgotten room would otherwise stay open for its whole idle time).
  async function endLecture() {
    const { code, token } = room;
    try {
      await deleteJSON(`/api/rooms/${code}`, { Authorization: `Bearer ${token}` });
    } catch (error) {
      if (error.status !== 404) { // 404: it had closed already, which is what was asked
        setMessage(`Room ${code} not ended: ${error.message}`);
        return;
      }
    }
    endRoom(`Room ${code} ended: its followers were told the lecture has ended.`);
  }

  async function startRoom() {
    try {
      const { code, token } = await postJSON('/api/rooms');
      stopListening();
      room = { code, token };
      save();
      lastShared = '';
      message = '';
      schedule.flush();
      render();
      showCode();
    } catch (error) {
      setMessage(`No room: ${error.message}`);
    }
  }

  async function join(code) {
    try {
      const current = await getJSON(`/api/rooms/${code}`); // 404 here says so at once
      stopListening();
      room = { code, following: true };
      latestVersion = -1; // versions count per room
      save();
      message = '';
      render();
      listen();
      show(current.state, current.version);
    } catch (error) {
      setMessage(error.status === 404 ? `No room ${code}: check the code on the projector.` : error.message);
    }
  }

  function leave() {
    room = { ...room, following: false };
    save();
    render();
  }

  async function rejoin() {
    room = { ...room, following: true };
    save();
    render();
    try {
      const current = await getJSON(`/api/rooms/${room.code}`);
      show(current.state, current.version);
    } catch (error) {
      if (error.status === 404) endRoom(`Room ${room.code} has closed.`);
    }
  }

  // The code, big enough to read from the back of a lecture hall.
  function showCode() {
    const overlay = document.createElement('div');
    overlay.className = 'room-overlay';
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-label', `Room ${room.code}`);
    const hint = document.createElement('p');
    hint.textContent = `Follow along: open ${window.location.host}/#room=${room.code} or type the code`;
    const big = document.createElement('p');
    big.className = 'room-code';
    big.textContent = `${room.code.slice(0, 3)} ${room.code.slice(3)}`;
    const close = button('Hide code', () => overlay.remove());
    overlay.append(hint, big, close);
    overlay.addEventListener('keydown', (event) => { if (event.key === 'Escape') overlay.remove(); });
    document.body.append(overlay);
    close.focus();
  }

  function joinForm() {
    const form = document.createElement('form');
    form.className = 'room-join';
    const input = document.createElement('input');
    input.name = 'room';
    input.placeholder = 'room code';
    input.setAttribute('aria-label', 'Room code');
    input.size = 8;
    input.maxLength = 12;
    const go = document.createElement('button');
    go.type = 'submit';
    go.textContent = 'Follow';
    form.append(input, go);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const code = typedCode(input.value);
      if (code) {
        menu.hidden = true;
        join(code);
      } else setMessage('A room code is six letters and digits, as on the projector.');
    });
    return form;
  }

  // The top bar holds one small "Room" button and its menu (start a room, or type a code); while
  // in a room a status bar at the bottom right says which, with one-click Leave / Rejoin.
  const toggle = button('Room', () => {
    menu.hidden = !menu.hidden;
    toggle.setAttribute('aria-expanded', String(!menu.hidden));
    if (!menu.hidden) menu.querySelector('button, input').focus();
  }, 'room-toggle');
  toggle.setAttribute('aria-expanded', 'false');
  toggle.title = 'Follow mode: start a room for students, or follow one';
  const menu = document.createElement('div');
  menu.className = 'room-menu';
  menu.hidden = true;
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      menu.hidden = true;
      toggle.focus();
    }
  });
  tools.append(toggle, menu);
  const bar = document.createElement('div');
  bar.className = 'room-bar';
  bar.setAttribute('role', 'region');
  bar.setAttribute('aria-label', 'Follow mode');
  document.body.append(bar);

  function render() {
    const parts = [];
    if (room && room.token) {
      const badge = button(`Room ${room.code}`, showCode, 'room-badge');
      badge.title = 'Show the code for students';
      parts.push(badge, button('End room', endLecture));
    } else if (room) {
      const label = document.createElement('span');
      label.className = 'room-status';
      // "Following" is left out on a phone (base.css), where the bar shares the top bar's first row.
      if (room.following) label.append(Object.assign(document.createElement('span'), { className: 'room-verb', textContent: 'Following ' }));
      label.append(`${room.following ? 'room' : 'Room'} ${room.code}`);
      parts.push(label);
      if (room.following) parts.push(button('Leave', leave));
      else parts.push(button('Rejoin', rejoin), button('×', () => endRoom(''), 'room-forget'));
    }
    if (message) {
      const note = document.createElement('span');
      note.className = 'room-message';
      note.setAttribute('role', 'status');
      note.textContent = message;
      parts.push(note);
    }
    bar.replaceChildren(...parts);
    bar.hidden = parts.length === 0;
    const mode = room ? (room.token ? 'lecturer' : room.following ? 'following' : 'left') : 'none';
    bar.dataset.mode = mode;
    tools.dataset.mode = mode;
    const start = button(room && room.token ? 'Show the code' : 'Start a room (lecturer)', () => {
      menu.hidden = true;
      if (room && room.token) showCode();
      else startRoom();
    });
    menu.replaceChildren(start, joinForm());
  }

  render();
  if (room && !room.token) {
    listen();
    if (room.following) rejoin();
  } else if (room && room.token) {
    schedule(); // a lecturer arriving on another page shares it
  }
  return { publish: () => schedule.flush(), leave, rejoin };
}

/**
 * Follow mode on a page whose form is its state (regression, pitfall): its store's `shown` holds the
 * state whose results are on screen, shared as `{[page]: shown}`; a lecturer's is `normalize`d and
 * handed to `show(state)` (fill the form, run it) unless it is already the one shown.
 */
export function followForm({ page, store, normalize, show }) {
  mountFollow({
    page,
    store,
    keys: ['shown'],
    snapshot: () => ({ [page]: store.get('shown') }),
    apply: async (shared) => {
      const next = normalize(shared[page] || {});
      if (JSON.stringify(next) !== JSON.stringify(store.get('shown'))) await show(next);
    },
  });
}
