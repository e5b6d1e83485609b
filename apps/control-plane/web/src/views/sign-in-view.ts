import { Api, storeToken } from '../api';
import { h, onSubmit } from '../dom';

/** Sign-in with the admin token; the token is checked against the API before it is kept (for this tab only). */
export function renderSignIn(onSignedIn: () => void): HTMLElement {
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'admin-token',
    placeholder: 'MEDIAPLANE_ADMIN_TOKEN',
  });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'sign-in-error' });
  const submit = h('button', { type: 'submit', 'data-testid': 'sign-in' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card sign-in' },
    h('h1', {}, 'Mediaplane'),
    h('p', { class: 'muted' }, 'Sign in with the admin token (MEDIAPLANE_ADMIN_TOKEN).'),
    h('label', {}, 'Admin token', input),
    submit,
    error,
  );
  onSubmit(
    form,
    submit,
    error,
    async () => {
      const token = input.value.trim();
      await new Api(token).nodes();
      storeToken(token);
      onSignedIn();
    },
    (e) => ((e as { status?: number }).status === 401 ? 'That token was refused.' : `Could not reach the API: ${(e as Error).message}`),
  );
  queueMicrotask(() => input.focus());
  return form;
}
