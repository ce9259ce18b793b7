// #/ — the jobs, newest first, polled about once a second while the page is visible.
import {getJson} from './api.js';
import {OUTCOMES, outcomeBar, progressBar} from './charts.js';
import {bytes, count, el, rate, time} from './dom.js';

const STATUSES = ['running', 'completed', 'failed', 'cancelled', 'aborted'];
const POLL_MS = 1000;

// Kept across visits to the page.
const filters = {dataset: '', status: ''};

function url() {
  const query = new URLSearchParams({limit: '50'});
  if (filters.dataset) {
    query.set('dataset', filters.dataset);
  }
  if (filters.status) {
    query.set('status', filters.status);
  }
  return '/v1/jobs?' + query;
}

function select(id, label, values, chosen, onChange) {
  const box = el('select', {id, onchange: event => onChange(event.target.value)},
    el('option', {value: ''}, 'all'),
    values.map(value => el('option', {value, selected: value === chosen}, value)));
  return el('label', {class: 'filter'}, label + ' ', box);
}

function progress(job) {
  const cell = el('td', {class: 'progress'},
    el('span', {'data-test': 'received'}, count(job.totals.received)), ' lines');
  if (job.bytesTotal !== null && job.bytesTotal !== undefined) {
    cell.append(el('br'), progressBar(job.bytesRead || 0, job.bytesTotal),
      el('span', {class: 'bytes', 'data-test': 'bytes', 'data-bytes-read': job.bytesRead || 0, 'data-bytes-total': job.bytesTotal},
        ' ' + bytes(job.bytesRead || 0) + ' / ' + bytes(job.bytesTotal)));
  }
  return cell;
}

function outcomes(totals) {
  return el('td', {class: 'outcomes'}, outcomeBar(totals),
    el('span', {class: 'counts'}, OUTCOMES.map(o =>
      el('span', {class: 'count o-' + o + (totals[o] ? '' : ' zero'), title: o},
        el('span', {'data-test': o}, count(totals[o])), ' ' + o + ' '))));
}

function row(job) {
  return el('tr', {'data-test': 'job-row', 'data-job': job.job},
    el('td', {}, time(job.startedAt)),
    el('td', {}, el('a', {href: '#/jobs/' + encodeURIComponent(job.job), 'data-test': 'job-link'},
      el('code', {}, job.job.slice(0, 8)))),
    el('td', {'data-test': 'dataset'}, job.dataset),
    el('td', {}, el('span', {class: 'status status-' + job.status, 'data-test': 'status'}, job.status)),
    progress(job),
    el('td', {class: 'number', 'data-test': 'rows-per-second'}, rate(job.rowsPerSecond)),
    outcomes(job.totals));
}

export function jobsPage(view, context) {
  let stopped = false;
  let timer = null;
  let inFlight = false;
  const body = el('tbody', {});
  const datasetFilter = el('span', {});
  const updated = el('span', {class: 'muted', 'data-test': 'updated'});
  view.append(el('section', {id: 'jobs', 'data-test': 'jobs'},
    el('h1', {}, 'Jobs'),
    el('div', {class: 'filters'}, datasetFilter,
      select('filter-status', 'Status', STATUSES, filters.status, value => refilter('status', value)), updated),
    el('table', {id: 'jobs-table', class: 'jobs'},
      el('thead', {}, el('tr', {},
        ['Started', 'Job', 'Dataset', 'Status', 'Progress', 'Rows/s', 'Outcomes'].map(h => el('th', {}, h)))),
      body)));

  function refilter(name, value) {
    filters[name] = value;
    if (!inFlight) {
      clearTimeout(timer);
      poll();
    }
  }

  async function poll() {
    timer = null;
    if (stopped || document.visibilityState !== 'visible') {
      return; // resumed by the visibilitychange listener
    }
    inFlight = true;
    const asked = url();
    try {
      const answer = await getJson(asked);
      if (!stopped && asked === url()) {
        body.replaceChildren(...answer.jobs.map(row));
        if (answer.jobs.length === 0) {
          body.append(el('tr', {}, el('td', {colspan: 7, class: 'muted'}, 'No jobs')));
        }
        updated.textContent = 'updated ' + new Date().toLocaleTimeString();
      }
    } catch (error) {
      if (!stopped) {
        context.fail(error);
        if (error.status === 401) {
          return;
        }
      }
    } finally {
      inFlight = false;
    }
    if (!stopped) {
      timer = setTimeout(poll, asked === url() ? POLL_MS : 0);
    }
  }

  function onVisibility() {
    if (!stopped && !inFlight && timer === null) {
      poll();
    }
  }

  document.addEventListener('visibilitychange', onVisibility);
  getJson('/v1/datasets').then(answer => {
    if (!stopped) {
      datasetFilter.append(select('filter-dataset', 'Dataset', answer.datasets.map(d => d.name), filters.dataset,
        value => refilter('dataset', value)));
    }
  }, () => {
    // the list itself reports what went wrong
  });
  poll();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
