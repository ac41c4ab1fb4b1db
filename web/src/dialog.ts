import { h } from './dom.js';

/**
 * A modal confirm with a required reason (native <dialog>: focus is trapped and
 * Escape cancels). Resolves with the reason, or null when cancelled.
 */
export function askReason(options: {
  title: string;
  text: string;
  confirm: string;
  note?: string | null;
  run: (reason: string) => Promise<void>;
}): void {
  const reason = h('textarea', { id: 'reason', name: 'reason', required: true, rows: 3, maxlength: 2000 });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, options.confirm);
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'dialog-title' },
    h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h2', { id: 'dialog-title' }, options.title),
      h('p', {}, options.text),
      options.note ? h('p', { class: 'note' }, options.note) : null,
      h('label', { for: 'reason' }, 'Reason (required)'),
      reason,
      error,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
        submit,
      ),
    ),
  );
  dialog.querySelector('form')!.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      error.textContent = 'Say why: the reason goes into the audit log and the incident report.';
      reason.focus();
      return;
    }
    submit.disabled = true;
    options
      .run(reason.value.trim())
      .then(() => dialog.close())
      .catch((e: Error) => {
        error.textContent = e.message;
        submit.disabled = false;
      });
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();
}
