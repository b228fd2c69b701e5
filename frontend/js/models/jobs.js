// The job list: each active (or unsuccessful) job with its status, a progress bar and Cancel.

/**
 * Fill `list` with `jobs`; `onCancel(id)` is called by their Cancel buttons. Only jobs for which
 * `canCancel(id)` holds (this browser has their token) get one.
 */
export function renderJobs(list, jobs, onCancel, canCancel = () => true) {
  if (!jobs.length) {
    const empty = document.createElement('li');
    empty.className = 'muted';
    empty.textContent = 'No job running.';
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(...jobs.map((job) => {
    const li = document.createElement('li');
    li.dataset.id = job.id;
    const name = document.createElement('span');
    name.textContent = job.name;
    const state = document.createElement('span');
    state.className = 'job-status';
    const percent = `${(100 * (job.progress || 0)).toFixed(0)} %`;
    state.textContent = job.status === 'running' ? `running ${percent}` : job.status;
    if (job.error) state.title = job.error;
    li.append(name, state);
    if (job.status === 'queued' || job.status === 'running') {
      const bar = document.createElement('progress');
      bar.max = 1;
      bar.value = job.progress || 0;
      bar.setAttribute('aria-label', `progress of ${job.name}`);
      li.append(bar);
      if (canCancel(job.id)) {
        const cancel = document.createElement('button');
        cancel.type = 'button';
        cancel.textContent = 'Cancel';
        cancel.addEventListener('click', () => onCancel(job.id));
        li.append(cancel);
      } else {
        li.title = 'Started in another browser: only its creator (or the lecturer) can cancel it.';
      }
    }
    return li;
  }));
}
