// The console's sign-in, for a broker with authentication on: a JWT, or a user and password (HTTP Basic,
// offered only when the page itself came over https: the broker refuses Basic on plain HTTP). The
// credentials are kept in sessionStorage (gone when the tab closes) and sent as the Authorization header
// of every API call; a 401 brings the form back.
import htm from 'htm';
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { base64OfText } from './base64.js';

const html = htm.bind(h);
const KEY = 'sluice.authorization';

/** The Authorization header value to send, or null. */
export function authorization() {
  return sessionStorage.getItem(KEY);
}

/** The stored token (for the WebSocket's auth message), or null when signed in with a password or not at all. */
export function bearerToken() {
  const value = authorization();
  return value?.startsWith('Bearer ') ? value.slice(7) : null;
}

/** Called by api.js on a 401: forget the credentials and show the form. */
export function signedOut() {
  const refused = sessionStorage.getItem(KEY) !== null;
  sessionStorage.removeItem(KEY);
  dispatchEvent(new CustomEvent('sluice:signed-out', { detail: { refused } }));
}

export function SignIn({ onSignedIn, message }) {
  const tls = location.protocol === 'https:';
  const [mode, setMode] = useState('token');
  const [token, setToken] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const submit = (event) => {
    event.preventDefault();
    const value =
      mode === 'token'
        ? `Bearer ${token.trim()}`
        : `Basic ${base64OfText(`${user}:${password}`)}`;
    sessionStorage.setItem(KEY, value);
    onSignedIn();
  };
  return html`
    <form class="sign-in" onSubmit=${submit} data-testid="sign-in">
      <h2>Sign in</h2>
      ${message && html`<p class="error">${message}</p>`}
      ${
        tls &&
        html`<p>
          <label><input type="radio" checked=${mode === 'token'} onChange=${() => setMode('token')} /> token</label>
          <label><input type="radio" checked=${mode === 'password'} onChange=${() => setMode('password')} /> user and password</label>
        </p>`
      }
      ${
        mode === 'token'
          ? html`<label>JWT <textarea name="token" rows="4" value=${token} onInput=${(e) => setToken(e.target.value)}></textarea></label>`
          : html`<label>user <input name="user" value=${user} onInput=${(e) => setUser(e.target.value)} /></label>
              <label>password <input name="password" type="password" value=${password} onInput=${(e) => setPassword(e.target.value)} /></label>`
      }
      ${!tls && html`<p class="hint">User and password sign-in needs https; this page came over plain HTTP.</p>`}
      <button type="submit">Sign in</button>
    </form>
  `;
}
