// Sign-in with OpenID Connect: authorization code + PKCE (S256). The access token lives in sessionStorage only
// (gone when the tab closes); it is never put in a URL and never logged. The code is removed from the address
// bar before it is redeemed.
const SESSION = 'trainpod.session';
const PENDING = 'trainpod.pkce';
let configPromise;

export function config() {
  configPromise ??= fetch('console-config.json', {cache: 'no-cache'}).then(r => {
    if (!r.ok) throw new Error('console-config.json is missing: the gateway must serve it');
    return r.json();
  });
  return configPromise;
}

async function provider() {
  const c = await config();
  const r = await fetch(c.oidc.discovery);
  if (!r.ok) throw new Error('the identity provider did not answer its discovery document');
  return {client: c.oidc.clientId, ...(await r.json())};
}

const b64url = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = n => b64url(crypto.getRandomValues(new Uint8Array(n)));
const redirectUri = () => location.origin + location.pathname;

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION));
    return s && s.expiresAt > Date.now() + 10_000 ? s : null;
  } catch {
    return null;
  }
}

export function signOut() {
  sessionStorage.removeItem(SESSION);
}

export async function signIn(back) {
  const p = await provider();
  const verifier = random(48);
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = random(16);
  const nonce = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({verifier, state, nonce, back: back || '#/'}));
  const q = new URLSearchParams({response_type: 'code', client_id: p.client, redirect_uri: redirectUri(),
    scope: 'openid profile', state, nonce, code_challenge: challenge, code_challenge_method: 'S256'});
  location.assign(p.authorization_endpoint + '?' + q);
}

/** Completes a sign-in when the provider sent the browser back here; returns the route to show, or null. */
export async function completeSignIn() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', location.pathname + (pending?.back || '#/'));
  if (q.has('error')) throw new Error('Sign-in was refused: ' + q.get('error'));
  if (!pending || pending.state !== q.get('state')) throw new Error('Sign-in answer did not match this tab; sign in again.');
  const p = await provider();
  const r = await fetch(p.token_endpoint, {method: 'POST',
    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({grant_type: 'authorization_code', code: q.get('code'), redirect_uri: redirectUri(),
      client_id: p.client, code_verifier: pending.verifier})});
  const t = await r.json();
  if (!r.ok) throw new Error('Sign-in failed: ' + (t.error_description || t.error || r.status));
  const claims = JSON.parse(atob(t.id_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  if (claims.nonce !== pending.nonce) throw new Error('Sign-in answer was not for this request; sign in again.');
  sessionStorage.setItem(SESSION, JSON.stringify({accessToken: t.access_token,
    expiresAt: Date.now() + t.expires_in * 1000, user: claims.preferred_username || claims.sub}));
  return pending.back;
}
