// The console's entry: sign-in first, then a hash router over the pages (#/deployments, #/deployments/<id>, …).
import {completeSignIn, session, signIn, signOut} from './auth.js';
import {api} from './api.js';
import {h, page, problemBox} from './ui.js';

const routes = [
  [/^#\/onboarding$/, () => import('./onboarding.js').then(m => m.onboardingPage())],
  [/^#\/datasets$/, () => import('./datasets.js').then(m => m.datasetsPage())],
  [/^#\/deployments\/new$/, q => import('./newdeploy.js').then(m => m.newDeploymentPage(q))],
  [/^#\/deployments\/([0-9a-f-]{36})$/, (q, id) => import('./deployments.js').then(m => m.deploymentPage(id))],
  [/^#\/deployments$/, () => import('./deployments.js').then(m => m.deploymentsPage())],
  [/^#\/costs$/, () => import('./costs.js').then(m => m.costsPage())],
];
let current;

function signInPage(error) {
  document.getElementById('nav').hidden = true;
  const button = h('button', {type: 'button', id: 'sign-in'}, 'Sign in');
  button.addEventListener('click', () => signIn(location.hash.startsWith('#/') && location.hash !== '#/signin'
    ? location.hash : null).catch(e => show(e)));
  const main = page('Sign in to Trainpod', h('p', {}, 'Fine-tune models on RunPod GPUs: upload a dataset, pick a GPU, '
    + 'watch it train, download the result.'), button);
  const show = e => main.append(problemBox(e));
  if (error) show(error);
  button.focus();
}

async function route() {
  current?.leave?.();
  current = null;
  if (!session()) return signInPage();
  const nav = document.getElementById('nav');
  nav.hidden = false;
  document.getElementById('who').textContent = 'Signed in as ' + session().user;
  let [path, query] = location.hash.split('?');
  const landing = p => !p.startsWith('#/') || p === '#/' || p === '#/signin';
  if (landing(path)) {
    const key = await api('/secrets/runpod').catch(() => ({configured: true}));
    // only if no page was asked for meanwhile (a link followed while the key was looked up wins)
    if (landing(location.hash.split('?')[0])) location.replace(key.configured ? '#/deployments' : '#/onboarding');
    return;
  }
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const match = routes.map(([re, load]) => [path.match(re), load]).find(([m]) => m);
  try {
    current = match ? await match[1](new URLSearchParams(query || ''), match[0][1])
      : page('Not found', h('p', {}, 'No such page. ', h('a', {href: '#/deployments'}, 'Your deployments')));
    document.getElementById('main').focus({preventScroll: true});
  } catch (e) {
    if (e.status !== 401) page('Something went wrong', problemBox(e));
  }
}

document.getElementById('sign-out').addEventListener('click', () => { signOut(); location.hash = '#/signin'; route(); });
document.getElementById('skip').addEventListener('click', ev => { ev.preventDefault(); document.getElementById('main').focus(); });
window.addEventListener('hashchange', route);
completeSignIn().then(route, e => signInPage(e));
