// A job's skipped or rejected rows from GET /v1/jobs/{id}/rows?outcome=…, a page at a time: each page
// asks for the rows after the previous page's last line, a range of the row log's primary key.
import {getNdjson} from './api.js';
import {count, el} from './dom.js';

const PAGE = 50;
const REFRESH_MS = 2000;
// The row log keeps a reason, not a message, for a skipped line: what the reason means, in words.
const SKIP_REASONS = {
  exists: 'the key exists; onConflict=skip leaves the stored row as it is',
  stale: 'the stored row is as new or newer (version column); onConflict=update-if-newer leaves it as it is',
};

export function rowsTable(id, outcome, context) {
  const path = '/v1/jobs/' + encodeURIComponent(id) + '/rows?outcome=' + outcome;
  const rejected = outcome === 'rejected';
  const body = el('tbody', {});
  // [header, whether the column is only as wide as its content]; a skipped line has no text to show.
  const columns = [['Line', true], [rejected ? 'Code' : 'Reason', true], ['Message', false], ['Key', true]]
    .concat(rejected ? [['Text', false]] : []);
  const range = el('span', {class: 'muted', 'data-test': 'range'});
  let page = 0;
  // The line each page starts after; the next page's is known once this one is loaded.
  const starts = [0];
  let loads = 0;
  let stopped = false;
  let refreshTimer = null;
  const previous = el('button', {type: 'button', 'data-test': 'previous', disabled: true,
    onclick: () => show(page - 1)}, '‹ previous');
  const next = el('button', {type: 'button', 'data-test': 'next', disabled: true,
    onclick: () => show(page + 1)}, 'next ›');
  const section = el('section', {id: outcome + '-rows', class: 'rows', 'data-test': outcome + '-rows', 'data-state': 'empty'},
    el('h2', {}, rejected ? 'Rejected lines' : 'Skipped lines', ' ',
      rejected ? el('a', {href: path, download: 'job-' + id + '-rejected.ndjson', 'data-test': 'download'},
        'download NDJSON') : ''),
    el('table', {},
      el('thead', {}, el('tr', {}, columns.map(([name, fit]) => el('th', {class: fit ? 'fit' : null}, name)))),
      body),
    el('div', {class: 'pager'}, previous, ' ', range, ' ', next));

  function row(entry) {
    const message = entry.message ?? (rejected ? '' : SKIP_REASONS[entry.reason] ?? '');
    return el('tr', {'data-test': 'row'},
      el('td', {class: 'number fit', 'data-test': 'line'}, entry.line),
      el('td', {class: 'fit'}, el('code', {'data-test': 'code'}, rejected ? entry.code : entry.reason)),
      el('td', {'data-test': 'message'}, message),
      el('td', {class: 'fit'}, el('code', {'data-test': 'key'}, entry.key === undefined || entry.key === null ? '' : JSON.stringify(entry.key))),
      rejected ? el('td', {}, el('code', {class: 'text', 'data-test': 'text'}, entry.text ?? '')) : null);
  }

  async function show(wanted) {
    const load = ++loads;
    section.dataset.state = 'loading';
    try {
      // One more than the page: tells whether there is a next page.
      const entries = await getNdjson(path + '&after=' + starts[wanted] + '&limit=' + (PAGE + 1));
      if (stopped || load !== loads) {
        return; // a later load is under way
      }
      page = wanted;
      const shown = entries.slice(0, PAGE);
      if (entries.length > PAGE) {
        starts[page + 1] = shown[PAGE - 1].line;
      }
      body.replaceChildren(...shown.map(row));
      if (shown.length === 0) {
        body.append(el('tr', {}, el('td', {colspan: columns.length, class: 'muted'}, 'None')));
      }
      range.textContent = shown.length === 0 ? ''
        : 'lines ' + count(page * PAGE + 1) + '–' + count(page * PAGE + shown.length) + ' of this list';
      previous.disabled = page === 0;
      next.disabled = entries.length <= PAGE;
      section.dataset.state = 'loaded';
    } catch (error) {
      if (!stopped && load === loads) {
        section.dataset.state = 'failed';
        context.fail(error);
      }
    }
  }

  return {
    section,
    load: () => show(page),
    /** Loads the page again in a while, once however often it is asked: while the job runs. */
    refreshSoon() {
      if (refreshTimer === null && !stopped) {
        refreshTimer = setTimeout(() => {
          refreshTimer = null;
          show(page);
        }, REFRESH_MS);
      }
    },
    stop() {
      stopped = true;
      clearTimeout(refreshTimer);
    },
  };
}
