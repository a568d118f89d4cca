// Feedback where the eye is (#23): a form field left empty is said in the UI's language beside
// it (WebKit shows no bubble at all, Chromium an English one), and a message that appears — an
// error or a confirmation — is scrolled into view instead of appearing thousands of pixels away.
import { t } from "./i18n.svelte";

/** The note beside a field the browser found invalid. */
function noteFor(field: HTMLElement): HTMLElement {
  const next = field.nextElementSibling;
  if (next instanceof HTMLElement && next.dataset.fieldNote !== undefined) return next;
  const note = document.createElement("span");
  note.className = "field-note error small";
  note.dataset.fieldNote = "";
  note.setAttribute("role", "alert");
  field.insertAdjacentElement("afterend", note);
  return note;
}

function onInvalid(e: Event) {
  const field = e.target;
  if (!(field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement || field instanceof HTMLSelectElement)) return;
  e.preventDefault();
  field.setAttribute("aria-invalid", "true");
  noteFor(field).textContent = field.validity.valueMissing ? t("fieldRequired") : t("fieldInvalid");
  field.focus();
}

function onInput(e: Event) {
  const field = e.target;
  if (!(field instanceof HTMLElement) || field.getAttribute("aria-invalid") !== "true") return;
  field.removeAttribute("aria-invalid");
  const next = field.nextElementSibling;
  if (next instanceof HTMLElement && next.dataset.fieldNote !== undefined) next.remove();
}

/** Messages (`role="alert"` or `role="status"`) that appear are brought into view. */
function revealMessages(root: HTMLElement) {
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (!(node instanceof HTMLElement)) continue;
        const message = node.matches('[role="alert"], [role="status"]') ? node : node.querySelector<HTMLElement>('[role="alert"], [role="status"]');
        if (message && !message.closest("[data-quiet]")) message.scrollIntoView({ block: "nearest" });
      }
    }
  }).observe(root, { childList: true, subtree: true });
}

export function installFeedback(root: HTMLElement) {
  document.addEventListener("invalid", onInvalid, true);
  document.addEventListener("input", onInput, true);
  revealMessages(root);
}
