// Small DOM helpers: elements, buttons, dialogs, countdowns, messages.

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | boolean | number | undefined> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export function button(
  label: string,
  onClick: () => unknown,
  props: Record<string, string | boolean | undefined> = {},
): HTMLButtonElement {
  const b = h("button", { type: "button", ...props }, label);
  b.addEventListener("click", () => {
    void onClick();
  });
  return b;
}

/** Replace a container's children only when `key` changed; keep keyboard focus on the element
 * with the same `data-k` afterwards, so live updates do not steal focus from a button. */
export function patch(container: HTMLElement, key: string, build: () => (Node | string)[]): void {
  if (container.dataset["key"] === key) return;
  container.dataset["key"] = key;
  const active = document.activeElement;
  const focusKey = active instanceof HTMLElement && container.contains(active) ? active.dataset["k"] : undefined;
  container.replaceChildren(...build());
  if (focusKey) container.querySelector<HTMLElement>(`[data-k="${CSS.escape(focusKey)}"]`)?.focus();
}

export interface Field {
  name: string;
  label: string;
  kind?: "text" | "textarea" | "number" | "select";
  value?: string;
  options?: [string, string][];
  required?: boolean;
  hint?: string;
}

/** A modal form (native <dialog>: focus trapped, Esc cancels). Resolves to the values, or null. */
export function ask(
  title: string,
  fields: Field[],
  submit: string,
  extra?: (form: HTMLFormElement) => void,
): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", "aria-label": title });
    const form = h("form", { method: "dialog" });
    form.append(h("h2", {}, title));
    for (const f of fields) {
      const id = `f-${f.name}-${Math.random().toString(36).slice(2, 8)}`;
      let input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
      if (f.kind === "textarea") {
        input = h("textarea", { id, name: f.name, rows: 5, dir: "auto" });
        input.value = f.value ?? "";
      } else if (f.kind === "select") {
        input = h("select", { id, name: f.name });
        for (const [value, label] of f.options ?? []) input.append(h("option", { value }, label));
        input.value = f.value ?? "";
      } else {
        input = h("input", { id, name: f.name, type: f.kind === "number" ? "number" : "text", dir: "auto", step: "any" });
        input.value = f.value ?? "";
      }
      if (f.required) input.required = true;
      form.append(h("label", { for: id }, f.label), input);
      if (f.hint) form.append(h("p", { class: "hint" }, f.hint));
    }
    extra?.(form);
    const cancel = button("Cancel", () => dialog.close(""));
    const ok = h("button", { type: "submit", value: "ok", class: "primary" }, submit);
    form.append(h("div", { class: "row end" }, cancel, ok));
    dialog.append(form);
    document.body.append(dialog);
    dialog.addEventListener("close", () => {
      const values: Record<string, string> = {};
      for (const [k, v] of new FormData(form).entries()) values[k] = String(v);
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? values : null);
    });
    dialog.showModal();
  });
}

/** "1:59", "2 h 03 min", "2 d 05 h" — the time left until an ISO deadline. */
export function remaining(deadline: string, now = Date.now()): string {
  const ms = Date.parse(deadline) - now;
  if (!Number.isFinite(ms)) return "";
  if (ms <= 0) return "0:00";
  const s = Math.ceil(ms / 1000);
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const min = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${String(hr).padStart(2, "0")} h`;
  if (hr > 0) return `${hr} h ${String(min).padStart(2, "0")} min`;
  return `${min}:${String(sec).padStart(2, "0")}`;
}

/** An element showing a live countdown to `deadline` (updated by `tickCountdowns`). */
export function countdown(deadline: string, props: Record<string, string> = {}): HTMLElement {
  const el = h("span", { class: "countdown", ...props, "data-deadline": deadline }, remaining(deadline));
  return el;
}

export function tickCountdowns(): void {
  const now = Date.now();
  for (const el of document.querySelectorAll<HTMLElement>("[data-deadline]")) {
    const text = remaining(el.dataset["deadline"] ?? "", now);
    if (el.textContent !== text) el.textContent = text;
  }
}

let toastBox: HTMLElement | null = null;

/** A message for the user, announced to screen readers, gone after a while. */
export function toast(message: string, kind: "info" | "error" | "ok" = "info"): void {
  if (!toastBox) {
    toastBox = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastBox);
  }
  const last = toastBox.lastElementChild as HTMLElement | null;
  if (last && last.textContent === message && last.classList.contains(kind)) {
    clearTimeout(Number(last.dataset["timer"]));
    last.dataset["timer"] = String(setTimeout(() => last.remove(), 6000));
    return; // the same message again: keep one, for longer
  }
  const item = h("div", { class: `toast ${kind}` }, message);
  toastBox.append(item);
  item.dataset["timer"] = String(setTimeout(() => item.remove(), 6000));
  while (toastBox.children.length > 3) toastBox.firstElementChild?.remove();
}
