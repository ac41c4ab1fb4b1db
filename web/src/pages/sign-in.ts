import type { Session } from '../api.js';
import { post } from '../api.js';
import { fill, h } from '../dom.js';

/** The token form: the token goes to the controller once and comes back as a session cookie. */
export function signInPage(main: HTMLElement, signedIn: (session: Session) => void): () => void {
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'sign-in card' },
    h('h1', {}, 'Sign in to Rewind'),
    h('p', { class: 'muted' }, 'Paste an API token (rewind token create, or the admin.token file of the controller).'),
    h('label', { for: 'token' }, 'Token'),
    token,
    message,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    message.textContent = '';
    post<{ session: Session }>('/v1/session', { token: token.value.trim() })
      .then((answer) => {
        token.value = '';
        signedIn(answer.session);
      })
      .catch((error: Error) => (message.textContent = error.message));
  });
  fill(main, form);
  token.focus();
  return () => undefined;
}
