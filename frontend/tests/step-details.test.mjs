import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ExplorerStore } from '../js/explorer/state.js';
import { mountStepDetails } from '../js/explorer/step-details.js';

// A fetch that answers each details request when the test says so, and remembers what was asked.
function heldFetch() {
  const asked = [];
  const release = [];
  globalThis.fetch = (path, init) => {
    const body = JSON.parse(init.body);
    asked.push(body);
    return new Promise((resolve) => {
      release.push(() => {
        const steps = [];
        for (let index = body.steps[0]; index < body.steps[1]; index += 1) steps.push({ index, narration: `step ${index}`, inputs: [] });
        resolve({ ok: true, status: 200, text: async () => JSON.stringify({ steps }) });
      });
    });
  };
  return { asked, releaseAll: () => release.splice(0).forEach((fn) => fn()) };
}

function smallTrace(steps = 3) {
  return {
    source: 'x**3', inputs: {}, detailsOnDemand: true,
    passes: [{ index: 0, steps: Array.from({ length: steps }, () => ({ inputs: [] })) }],
  };
}

test('the first step asked for while every step is being fetched is not asked for again', async () => {
  const server = heldFetch();
  const store = new ExplorerStore();
  const details = mountStepDetails(store);
  const trace = smallTrace();
  const all = details.all(trace); // the page draws the graph meanwhile
  store.set({ trace, position: 0 });
  details.ahead(); // the graph drawn: the first → needs step 1
  store.set({ position: 1 }); // and the student pressed it before the answer came
  assert.equal(server.asked.length, 1, 'one request for the pass');
  assert.deepEqual(server.asked[0].steps, [0, 3]);
  server.releaseAll();
  await all;
  assert.ok(trace.passes[0].steps.every((s) => s.detailed));
  assert.equal(trace.passes[0].steps[0].narration, 'step 0');
  assert.equal(store.get('details'), 1, 'the shown trace hears of them once');
});

test('details that land before their trace is shown are merged without a store change', async () => {
  const server = heldFetch();
  const store = new ExplorerStore();
  const details = mountStepDetails(store);
  const trace = smallTrace(2);
  const all = details.all(trace);
  server.releaseAll();
  await all;
  assert.ok(trace.passes[0].steps.every((s) => s.detailed));
  assert.equal(store.get('details'), 0); // the trace's first render reads them
});

test('a failed window is asked for again by the step that needs it', async () => {
  const asked = [];
  globalThis.fetch = (path, init) => {
    asked.push(JSON.parse(init.body));
    return Promise.resolve({ ok: false, status: 503, text: async () => JSON.stringify({ detail: { type: 'busy', message: 'busy' } }) });
  };
  const store = new ExplorerStore();
  const details = mountStepDetails(store);
  const trace = smallTrace(2);
  await assert.rejects(details.all(trace));
  store.set({ trace, position: 1 });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(asked.length, 2);
  assert.ok(store.get('detailsError'));
});

test('stepping forward through a long pass asks for the next window before it is reached', async () => {
  const server = heldFetch();
  const store = new ExplorerStore();
  mountStepDetails(store);
  const trace = smallTrace(1000); // past DETAIL_WINDOW: asked for a window at a time
  store.set({ trace, position: 1 });
  assert.deepEqual(server.asked.map((body) => body.steps), [[0, 200]]);
  server.releaseAll();
  await new Promise((resolve) => setTimeout(resolve, 0));
  store.set({ position: 140 }); // steps 140..189 are explained: nothing to ask
  assert.equal(server.asked.length, 1);
  store.set({ position: 151 }); // step 200 is LOOKAHEAD steps ahead: its window is asked for now
  assert.deepEqual(server.asked.map((body) => body.steps), [[0, 200], [200, 400]]);
  store.set({ position: 152 }); // on its way: not asked again
  store.set({ position: 201 }); // reached before it landed: still the same request
  assert.equal(server.asked.length, 2);
  server.releaseAll();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.ok(trace.passes[0].steps.slice(0, 400).every((s) => s.detailed));
  assert.ok(!trace.passes[0].steps[400].detailed);
  assert.equal(store.get('details'), 2);
});

test('the last window of a pass ends at its last step', async () => {
  const server = heldFetch();
  const store = new ExplorerStore();
  mountStepDetails(store);
  const trace = smallTrace(230);
  store.set({ trace, position: 1 });
  server.releaseAll();
  await new Promise((resolve) => setTimeout(resolve, 0));
  store.set({ position: 160 });
  assert.deepEqual(server.asked.map((body) => body.steps), [[0, 200], [200, 230]]);
});
