// The API under /api/v1, same origin (the gateway). Errors arrive as problem+json and become ApiError.
import {session, signOut} from './auth.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || 'HTTP ' + status);
    this.status = status;
    this.problem = problem || {};
  }
}

export function authHeader() {
  const s = session();
  if (!s) {
    location.hash = '#/signin';
    throw new ApiError(401, {title: 'Signed out', detail: 'Your session ended; sign in again.'});
  }
  return {Authorization: 'Bearer ' + s.accessToken};
}

async function problemOf(r) {
  try {
    return await r.json();
  } catch {
    return {title: r.statusText, detail: 'The server answered HTTP ' + r.status + '.'};
  }
}

/** Calls the API; JSON bodies are sent as JSON, Blobs as they are. raw: return the Response. */
export async function api(path, {method = 'GET', body, headers = {}, raw = false, signal} = {}) {
  const h = {...authHeader(), ...headers};
  let payload = body;
  if (body !== undefined && !(body instanceof Blob)) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch('/api/v1' + path, {method, headers: h, body: payload, signal});
  if (r.status === 401) {
    signOut();
    location.hash = '#/signin';
    throw new ApiError(401, await problemOf(r));
  }
  if (!r.ok) throw new ApiError(r.status, await problemOf(r));
  if (raw) return r;
  return r.status === 204 ? null : r.json();
}
