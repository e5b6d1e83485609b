import { h } from '../dom';

/** A button that asks for a second click before it acts (no modal dialogs to dismiss). */
export function confirmButton(label: string, confirmLabel: string, testId: string, action: () => Promise<void>): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'danger', 'data-testid': testId }, label);
  let armed = false;
  let disarm: ReturnType<typeof setTimeout> | undefined;
  button.addEventListener('click', () => {
    if (!armed) {
      armed = true;
      button.textContent = confirmLabel;
      disarm = setTimeout(() => {
        armed = false;
        button.textContent = label;
      }, 4000);
      return;
    }
    clearTimeout(disarm);
    armed = false;
    button.disabled = true;
    action().finally(() => {
      button.disabled = false;
      button.textContent = label;
    });
  });
  return button;
}
