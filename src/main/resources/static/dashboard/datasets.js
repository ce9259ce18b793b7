// #/datasets — each dataset's table, key, columns and allowed conflict policies.
import {getJson} from './api.js';
import {el} from './dom.js';

function dataset(d) {
  const key = new Set(d.key);
  return el('section', {class: 'dataset', 'data-test': 'dataset', 'data-dataset': d.name},
    el('h2', {'data-test': 'dataset-name'}, d.name),
    el('dl', {class: 'summary'},
      el('dt', {}, 'Table'), el('dd', {}, el('code', {'data-test': 'table'}, d.table)),
      el('dt', {}, 'Key'), el('dd', {'data-test': 'key'}, d.key.join(', ')),
      el('dt', {}, 'Version column'), el('dd', {'data-test': 'version-column'}, d.versionColumn ?? 'none'),
      el('dt', {}, 'Policies'), el('dd', {'data-test': 'policies'}, d.policies.join(', '))),
    el('table', {class: 'columns'},
      el('thead', {}, el('tr', {}, ['Column', 'Type', 'Nullable', 'Default', 'Key'].map(h => el('th', {}, h)))),
      el('tbody', {}, d.columns.map(c => el('tr', {'data-test': 'column', 'data-column': c.name},
        el('td', {}, el('code', {'data-test': 'column-name'}, c.name)),
        el('td', {'data-test': 'column-type'}, c.type),
        el('td', {'data-test': 'column-nullable'}, c.nullable ? 'yes' : 'no'),
        el('td', {'data-test': 'column-default'}, c.hasDefault ? 'yes' : 'no'),
        el('td', {'data-test': 'column-key'}, key.has(c.name) ? 'key' : ''))))));
}

export function datasetsPage(view, context) {
  let stopped = false;
  const list = el('div', {id: 'datasets', 'data-test': 'datasets', 'data-state': 'loading'});
  view.append(el('h1', {}, 'Datasets'), list);
  getJson('/v1/datasets').then(answer => {
    if (!stopped) {
      list.replaceChildren(...answer.datasets.map(dataset));
      if (answer.datasets.length === 0) {
        list.append(el('p', {class: 'muted'}, 'No dataset this token may read'));
      }
      list.dataset.state = 'loaded';
    }
  }, error => {
    if (!stopped) {
      context.fail(error);
    }
  });
  return {
    stop() {
      stopped = true;
    },
  };
}
