// #/jobs/<id> — one job, live from its event feed, then its summary and its skipped and rejected rows.
import {getJson} from './api.js';
import {OUTCOMES, legend, outcomeBar, outcomesChart, progressBar, ratesChart} from './charts.js';
import {bytes, count, duration, el, rate, time} from './dom.js';
import {rowsTable} from './rows.js';

const FINAL = ['completed', 'failed', 'cancelled', 'aborted'];
const RENDER_MS = 100;

function field(label, test) {
  const value = el('dd', {'data-test': test});
  return {value, nodes: [el('dt', {}, label), value]};
}

export function jobPage(view, id, context) {
  const state = {
    document: null, // GET /v1/jobs/{id}
    settings: null, // the job event
    totals: null,
    chunks: 0,
    linesDone: null,
    lastCommit: null, // the newest chunk's commit time (ms): how far the running job's timing goes
    bytesRead: null,
    bytesTotal: null,
    status: null,
    end: null, // the final event
    points: [], // {t, received, totals}: the start, then one per chunk event
  };
  let source = null;
  let stopped = false;
  let renderTimer = null;

  const fields = Object.fromEntries([
    ['dataset', 'Dataset', 'job-dataset'], ['status', 'Status', 'job-status'], ['settings', 'Settings', 'job-settings'],
    ['started', 'Started', 'job-started'], ['duration', 'Duration', 'duration'],
    ['rowsPerSecond', 'Rows/s', 'rows-per-second'], ['chunks', 'Chunks', 'chunks'],
    ['linesDone', 'Lines done', 'lines-done'], ['bytes', 'Bytes', 'bytes'],
    ['committed', 'Committed', 'committed'], ['error', 'Error', 'error'],
  ].map(([key, label, test]) => [key, field(label, test)]));
  const totals = Object.fromEntries(['received', ...OUTCOMES].map(name =>
    [name, el('td', {class: 'number', 'data-test': 'total-' + name})]));
  const bar = el('div', {class: 'bar'});
  const connection = el('span', {class: 'muted', 'data-test': 'connection'});
  const rateChart = el('div', {class: 'chart-box', 'data-test': 'rate-chart'});
  const outcomeChart = el('div', {class: 'chart-box', 'data-test': 'outcome-chart'});
  const rejected = rowsTable(id, 'rejected', context);
  const skipped = rowsTable(id, 'skipped', context);

  view.append(el('section', {id: 'job', 'data-test': 'job', 'data-job': id},
    el('h1', {}, 'Job ', el('code', {'data-test': 'job-id'}, id), ' ', connection),
    el('dl', {class: 'summary'}, Object.values(fields).flatMap(f => f.nodes)),
    el('table', {class: 'totals'},
      el('thead', {}, el('tr', {}, ['received', ...OUTCOMES].map(name => el('th', {}, name)))),
      el('tbody', {}, el('tr', {}, Object.values(totals)))),
    bar,
    el('div', {class: 'charts'}, rateChart, outcomeChart),
    legend(),
    rejected.section,
    skipped.section));

  function render() {
    renderTimer = null;
    if (stopped) {
      return;
    }
    const doc = state.document || {};
    const settings = state.settings || doc;
    const end = state.end;
    fields.dataset.value.textContent = settings.dataset || '–';
    fields.status.value.replaceChildren(
      el('span', {class: 'status status-' + state.status}, state.status || '–'));
    fields.settings.value.textContent = settings.onConflict
      ? 'onConflict=' + settings.onConflict + ', chunkSize=' + settings.chunkSize
        + (settings.atomic ? ', atomic' : '') + (settings.dryRun ? ', dryRun' : '')
      : '–';
    fields.started.value.textContent = time(settings.startedAt);
    // The document was read once, when the page opened: while the job runs, its events tell.
    const timing = end || runningTiming(settings) || doc;
    fields.duration.value.textContent = duration(timing.durationMs);
    fields.duration.value.dataset.durationMs = timing.durationMs ?? '';
    fields.rowsPerSecond.value.textContent = rate(timing.rowsPerSecond);
    fields.rowsPerSecond.value.dataset.rowsPerSecond = timing.rowsPerSecond ?? '';
    fields.chunks.value.textContent = count(state.chunks);
    fields.linesDone.value.textContent = state.linesDone === null ? '–' : 'up to line ' + count(state.linesDone);
    fields.bytes.value.replaceChildren();
    fields.bytes.value.dataset.bytesRead = state.bytesRead ?? '';
    fields.bytes.value.dataset.bytesTotal = state.bytesTotal ?? '';
    if (state.bytesTotal !== null && state.bytesTotal !== undefined) {
      fields.bytes.value.append(progressBar(state.bytesRead || 0, state.bytesTotal),
        ' ' + bytes(state.bytesRead || 0) + ' / ' + bytes(state.bytesTotal));
    } else {
      fields.bytes.value.textContent = state.bytesRead === null ? '–' : bytes(state.bytesRead);
    }
    const committed = end && 'committed' in end ? end.committed : null;
    fields.committed.value.textContent = committed === null ? '–' : committed ? 'yes' : 'no';
    const error = end ? end.error : doc.error;
    fields.error.value.replaceChildren();
    if (error) {
      fields.error.value.append(el('code', {'data-test': 'error-code'}, error.code), ' ',
        el('span', {'data-test': 'error-message'}, error.message),
        error.line === null || error.line === undefined ? '' : el('span', {'data-test': 'error-line'}, ' (line ' + error.line + ')'));
    } else {
      fields.error.value.textContent = 'none';
    }
    for (const [name, cell] of Object.entries(totals)) {
      cell.textContent = count(state.totals ? state.totals[name] : null);
    }
    bar.replaceChildren(outcomeBar(state.totals, 640, 16));
    rateChart.replaceChildren(ratesChart(state.points));
    outcomeChart.replaceChildren(outcomesChart(state.points));
  }

  /**
   * Duration and rate up to the newest committed chunk, as the document computes them up to its
   * read (at least 1 ms; lines received per second); null before the first chunk event.
   */
  function runningTiming(settings) {
    const start = Date.parse(settings.startedAt);
    if (state.lastCommit === null || Number.isNaN(start) || !state.totals) {
      return null;
    }
    const durationMs = Math.max(1, state.lastCommit - start);
    return {durationMs, rowsPerSecond: state.totals.received * 1000 / durationMs};
  }

  function scheduleRender() {
    if (renderTimer === null && !stopped) {
      renderTimer = setTimeout(render, RENDER_MS);
    }
  }

  function onJob(data) {
    state.settings = data;
    if ('bytesTotal' in data) {
      state.bytesTotal = data.bytesTotal;
    }
    const start = Date.parse(data.startedAt);
    if (state.points.length === 0 && !Number.isNaN(start)) {
      state.points.push({t: start, received: 0, totals: zero()});
    }
  }

  function onChunk(data) {
    const last = data.chunk ?? (data.chunks ? data.chunks.last : 0);
    // The document read before the feed may be ahead of the replay's first events: never go back.
    if (last >= state.chunks) {
      state.chunks = last;
      state.totals = data.totals;
      if (data.bytesRead !== undefined && data.bytesRead !== null) {
        state.bytesRead = data.bytesRead;
      }
    }
    // Lines and commit times only grow: a replayed chunk older than the document cannot set them back.
    if (data.lines) {
      state.linesDone = Math.max(state.linesDone ?? 0, data.lines.last);
    }
    // The commit's own time when the service sends it (replays keep it); else when it arrived.
    const committed = data.committedAt ? Date.parse(data.committedAt) : NaN;
    const t = Number.isNaN(committed) ? Date.now() : committed;
    if (last >= state.chunks) {
      state.lastCommit = Math.max(state.lastCommit ?? t, t);
    }
    if (state.points.length === 0) {
      state.points.push({t, received: 0, totals: zero()});
    }
    state.points.push({t, received: data.totals.received, totals: data.totals});
    // While the job runs its row log grows: the tables follow (a replay waits for the end).
    if (state.document && state.document.status === 'running' && data.counts) {
      if (data.counts.rejected > 0) {
        rejected.refreshSoon();
      }
      if (data.counts.skipped > 0) {
        skipped.refreshSoon();
      }
    }
  }

  function onEnd(name, data) {
    source.close();
    state.end = data;
    state.status = data.status || name;
    state.totals = data.totals;
    state.chunks = data.chunks;
    connection.textContent = '';
    rejected.load();
    skipped.load();
    // The document has what events do not repeat (bytes read in the end).
    getJson('/v1/jobs/' + encodeURIComponent(id)).then(doc => {
      state.document = doc;
      if (doc.bytesRead !== undefined && doc.bytesRead !== null) {
        state.bytesRead = doc.bytesRead;
      }
      scheduleRender();
    }, () => {});
  }

  function follow() {
    source = new EventSource('/v1/jobs/' + encodeURIComponent(id) + '/events');
    source.addEventListener('open', () => (connection.textContent = state.end ? '' : 'live'));
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED && !stopped && !state.end) {
        // Refused (401, 404 …): an EventSource does not say why, the document does.
        connection.textContent = 'disconnected';
        getJson('/v1/jobs/' + encodeURIComponent(id)).then(
          () => context.fail(new Error('The event feed closed')), error => context.fail(error));
      } else if (!state.end) {
        connection.textContent = 'reconnecting…';
      }
    });
    source.addEventListener('job', event => {
      onJob(JSON.parse(event.data));
      scheduleRender();
    });
    source.addEventListener('chunk', event => {
      onChunk(JSON.parse(event.data));
      scheduleRender();
    });
    for (const name of FINAL) {
      source.addEventListener(name, event => {
        onEnd(name, JSON.parse(event.data));
        scheduleRender();
      });
    }
  }

  getJson('/v1/jobs/' + encodeURIComponent(id)).then(doc => {
    if (stopped) {
      return;
    }
    state.document = doc;
    state.status = state.status || doc.status;
    state.totals = state.totals || doc.totals;
    state.chunks = Math.max(state.chunks, doc.chunks);
    state.bytesRead = state.bytesRead ?? doc.bytesRead ?? null;
    state.bytesTotal = state.bytesTotal ?? doc.bytesTotal ?? null;
    render();
    rejected.load();
    skipped.load();
    follow();
  }, error => {
    if (!stopped) {
      context.fail(error);
    }
  });

  return {
    stop() {
      stopped = true;
      clearTimeout(renderTimer);
      if (source) {
        source.close();
      }
      rejected.stop();
      skipped.stop();
    },
  };
}

function zero() {
  return Object.fromEntries(['received', ...OUTCOMES].map(name => [name, 0]));
}
