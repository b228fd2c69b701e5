// The Models lab's one store and its transitions (pure: each returns a patch for store.set).
// Records are replaced, never mutated, so a listener sees every change as a new `models` array.

import { counted } from '../shared/format.js';
import { Store } from '../shared/store.js';

export const isActive = (m) => m.status === 'queued' || m.status === 'running';
export const isMnist = (m) => m.config?.dataset === 'mnist_parity';  // config null: unreadable record
export const finished = (state) => state.models.filter((m) => m.status === 'done');

/** The lab's store. */
export function createModelsStore() {
  return new Store({
    models: [], // job records with their curves, in creation order
    shown: new Set(), // ids whose curves are plotted
    selected: null, // the table row picked last
    boundaryTarget: null, // the 2-D model whose decision boundary is drawn
    lectureIds: [], // the lecture's two MNIST runs, once started
    wrong: { a: '', b: '' }, // the models whose misclassified digits are shown ('' = none / alone)
  });
}

// A curve is columns (GET /api/models/{id}: `curve`), one list per field of a point.
const CURVE_COLUMNS = ['step', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy'];

/** A curve without points, for a job just submitted. */
export const emptyCurve = () => Object.fromEntries(CURVE_COLUMNS.map((k) => [k, []]));

/** A new curve: `curve`'s columns with the live event's `points` (records) appended. */
export function appendPoints(curve, points) {
  return Object.fromEntries(CURVE_COLUMNS.map((k) => [k, [...curve[k], ...points.map((p) => p[k])]]));
}

const replace = (models, id, patch) => models.map((m) => (m.id === id ? { ...m, ...patch } : m));

/** The records listed by GET /api/models on opening: active ones and the last two finished shown. */
export function loaded(records) {
  const done = records.filter((m) => m.status === 'done');
  const shown = new Set([...records.filter(isActive), ...done.slice(-2)].map((m) => m.id));
  const last2d = records.filter((m) => m.config && !isMnist(m) && m.status !== 'failed').pop();
  const mnist = done.filter(isMnist);
  const newest = mnist.length ? mnist[mnist.length - 1].id : '';
  return { models: records, shown, boundaryTarget: last2d ? last2d.id : null, wrong: { a: newest, b: '' } };
}

/** A job just submitted from this page: shown, and the boundary follows a 2-D one. */
export function submitted(state, record) {
  // A request identical to a job already listed answers that job's id: show it, don't list it twice.
  const known = state.models.some((m) => m.id === record.id);
  const patch = {
    models: known ? state.models : [...state.models, record],
    shown: new Set([...state.shown, record.id]),
  };
  if (!isMnist(record)) patch.boundaryTarget = record.id;
  return patch;
}

/** Live progress of job `id`: status, progress and new curve points. */
export function progressed(state, id, { status, progress, points }) {
  const model = state.models.find((m) => m.id === id);
  if (!model) return {};
  return { models: replace(state.models, id, { status, progress, curve: appendPoints(model.curve, points) }) };
}

/** Status and progress from a poll, for jobs not streamed. */
export function polled(state, record) {
  return { models: replace(state.models, record.id, { status: record.status, progress: record.progress }) };
}

/**
 * Job `record.id` ended: its final record replaces the live one. When no model's mistakes are
 * shown yet, a finished MNIST model's are (the panel no longer says "Train an MNIST model…").
 */
export function ended(state, record) {
  const patch = { models: state.models.map((m) => (m.id === record.id ? record : m)) };
  if (!state.models.some((m) => m.id === record.id)) patch.models.push(record);
  if (record.status === 'done' && isMnist(record) && !state.wrong.a) patch.wrong = { a: record.id, b: '' };
  const [logistic, network] = state.lectureIds.map((id) => patch.models.find((m) => m.id === id));
  if (logistic && network && logistic.status === 'done' && network.status === 'done') {
    patch.wrong = { a: network.id, b: logistic.id }; // the lecture's comparison: the network beside logistic regression
  }
  return patch;
}

/** A curve shown or hidden. */
export function toggled(state, id, on) {
  const shown = new Set(state.shown);
  if (on) shown.add(id);
  else shown.delete(id);
  return { shown };
}

/** A table row picked: a 2-D model's boundary, or an MNIST model's mistakes. */
export function picked(state, id) {
  const model = state.models.find((m) => m.id === id);
  if (!model) return {};
  return isMnist(model)
    ? { selected: id, wrong: { a: id, b: state.wrong.b === id ? '' : state.wrong.b } }
    : { selected: id, boundaryTarget: id };
}

/** The line under the title: what is training, or how many models are trained. */
export function statusLine(state) {
  const active = state.models.filter(isActive);
  const running = active.filter((m) => m.status === 'running').length;
  return active.length
    ? `${counted(running, 'job')} training, ${active.length - running} queued — curves update live`
    : counted(finished(state).length, 'trained model');
}
