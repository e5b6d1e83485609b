/**
 * A tiny element builder. Text always goes in as text nodes (never HTML), so
 * stream names and other operator input cannot inject markup.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (name === 'class') el.className = String(value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A read-only field with a Copy button (publish URLs, keys). */
export function copyField(label: string, value: string, testId: string): HTMLElement {
  const input = h('input', { type: 'text', readonly: true, value, 'data-testid': testId, class: 'copy-value' });
  const button = h('button', { type: 'button', class: 'secondary', 'data-testid': `${testId}-copy` }, 'Copy');
  button.addEventListener('click', () => {
    void copyText(input).then((ok) => {
      button.textContent = ok ? 'Copied' : 'Select and copy';
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
  });
  return h('label', { class: 'copy-field' }, h('span', { class: 'copy-label' }, label), h('span', { class: 'copy-row' }, input, button));
}

async function copyText(input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    // Clipboard API needs a secure context; plain-HTTP dashboards select the text instead.
    input.select();
    return document.execCommand?.('copy') ?? false;
  }
}

/**
 * Runs `action` when the form is submitted, with the button disabled while it
 * runs and its failure written into `error` (as text, via `describe`).
 */
export function onSubmit(
  form: HTMLFormElement,
  submit: HTMLButtonElement,
  error: HTMLElement,
  action: () => Promise<void>,
  describe: (e: unknown) => string = (e) => (e as Error).message,
): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    action()
      .catch((e: unknown) => (error.textContent = describe(e)))
      .finally(() => (submit.disabled = false));
  });
}
