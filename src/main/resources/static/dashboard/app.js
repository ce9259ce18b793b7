// The dashboard's shell: sign-in, sign-out and the hash routes #/, #/jobs/<id> and #/datasets.
import {clearToken, storableToken, storeToken, token} from './api.js';
import {datasetsPage} from './datasets.js';
import {jobPage} from './job.js';
import {jobsPage} from './jobs.js';

const view = document.getElementById('view');
const signin = document.getElementById('signin');
const signinProblem = document.getElementById('signin-problem');
const signinToken = document.getElementById('signin-token');
const signout = document.getElementById('signout');
const notice = document.getElementById('notice');

const ROUTES = [
  [/^#\/jobs\/([^/?]+)$/, match => jobPage(view, decodeURIComponent(match[1]), context)],
  [/^#\/datasets\/?$/, () => datasetsPage(view, context)],
  [/^(#\/?)?$/, () => jobsPage(view, context)],
];

let page = null;

/** What pages share: how to report a failed request. */
const context = {
  /** 401: the token is not (or no longer) good, sign in again; 403/404 and the rest: say so. */
  fail(error) {
    if (error && error.status === 401) {
      clearToken();
      showSignIn(error.title);
      return;
    }
    notice.hidden = false;
    if (error && error.status === 403) {
      notice.textContent = 'Not allowed (403): ' + error.message;
    } else if (error && error.status === 404) {
      notice.textContent = 'Not found (404): ' + error.message;
    } else {
      notice.textContent = 'Failed: ' + (error && error.message ? error.message : String(error));
    }
  },
};

function stopPage() {
  if (page) {
    page.stop();
    page = null;
  }
  view.replaceChildren();
  notice.hidden = true;
  notice.textContent = '';
}

function showSignIn(problem) {
  stopPage();
  signout.hidden = true;
  signin.hidden = false;
  signinProblem.hidden = !problem;
  signinProblem.textContent = problem || '';
  signinToken.value = '';
  signinToken.focus();
}

function route() {
  stopPage();
  if (!token()) {
    showSignIn('');
    return;
  }
  signin.hidden = true;
  signout.hidden = false;
  const hash = location.hash;
  for (const [pattern, open] of ROUTES) {
    const match = pattern.exec(hash);
    if (match) {
      page = open(match);
      return;
    }
  }
  context.fail(new Error('No page ' + hash));
}

document.getElementById('signin-form').addEventListener('submit', event => {
  event.preventDefault();
  const text = signinToken.value.trim();
  if (!storableToken(text)) {
    signinProblem.hidden = false;
    signinProblem.textContent = 'A token holds no spaces, quotes, commas, semicolons or backslashes';
    return;
  }
  storeToken(text);
  route();
});

signout.addEventListener('click', () => {
  clearToken();
  showSignIn('');
});

window.addEventListener('hashchange', route);
route();
