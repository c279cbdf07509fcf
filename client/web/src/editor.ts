// One paragraph's editor: a contenteditable element whose DOM text is exactly the paragraph's
// Y.Text. Every input is intercepted (`beforeinput`) and turned by `plan` into the Y.Text
// operations suggestion mode allows for this user — or refused locally with a short message.
// The DOM is then brought up to date from the Y.Text — patched in place: only the runs that
// changed are touched — and the caret restored. IME composition runs in the DOM untouched and is
// applied as one insertion at `compositionend`.

import * as Y from "yjs";
import { type Intent, type Op, type Run, type Typist, delsOf, insOf, plan } from "./plan";
import { type TagInfo, indexAt, positionAt, renderRuns } from "./render";

export const LOCAL = Symbol("local-edit");

export interface EditorHost {
  /** The typist, or a reason why this user may not write this paragraph now. */
  typist(paragraphId: string): Typist | { readonly: string };
  tagOf(id: string): TagInfo;
  notify(message: string): void;
  /** Where this user's caret is (for presence), and whether they are typing. */
  caret(paragraphId: string, index: number | null, typing: boolean): void;
}

const SURROGATE_LOW = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** The editor the document's selection was last seen in (kept by the host's `selectionchange`
 * listener), so a re-render asks the selection API only where the caret may be — reading the
 * selection after DOM writes forces a layout. */
let selectionOwner: ParagraphEditor | null = null;

export function noteSelection(editor: ParagraphEditor | null): void {
  selectionOwner = editor;
}

export class ParagraphEditor {
  readonly el: HTMLElement;
  private composing: { start: number; end: number } | null = null;
  private anchor: Y.RelativePosition | null = null;
  private pendingCaret: number | null = null;
  /** Undo/redo of this user's own edits only (origin LOCAL); cleared whenever someone else's
   * change could make an undo step an edit the server would revert (see `guardUndo`). */
  readonly undo: Y.UndoManager;

  constructor(
    readonly paragraphId: string,
    private text: Y.Text,
    private host: EditorHost,
    label: string,
  ) {
    this.el = document.createElement("div");
    this.el.className = "text";
    this.el.dir = "auto";
    this.el.setAttribute("role", "textbox");
    this.el.setAttribute("aria-multiline", "false");
    this.el.setAttribute("aria-label", `Text of ${label}`);
    this.el.spellcheck = true;
    this.el.addEventListener("beforeinput", (e) => this.beforeInput(e));
    this.el.addEventListener("compositionstart", () => this.compositionStart());
    this.el.addEventListener("compositionend", (e) => this.compositionEnd(e));
    this.el.addEventListener("input", () => {
      if (!this.composing) this.render(); // anything that slipped past beforeinput is undone
    });
    this.el.addEventListener("keydown", (e) => this.keyDown(e));
    this.el.addEventListener("dragstart", (e) => e.preventDefault());
    this.undo = new Y.UndoManager(text, { trackedOrigins: new Set([LOCAL]), captureTimeout: 600 });
    text.observe((event) => {
      const origin = event.transaction.origin;
      if (origin !== LOCAL && origin !== this.undo && formatsOrMarks(event.delta)) {
        // Someone else (the server accepting, rejecting, withdrawing; the Chair) changed the marks
        // in this paragraph: an old undo step could now touch text that is no longer ours.
        this.undo.clear();
      }
      if (this.composing) return; // re-rendered at compositionend
      if (origin === this.undo) {
        this.render(caretAfter(event.delta));
        return;
      }
      if (origin === LOCAL) {
        // My own edit: the DOM is patched right after the transaction (a microtask: still before
        // any other input or message is handled), so the update leaves for the server first.
        const caret = this.pendingCaret;
        queueMicrotask(() => this.render(caret));
      } else this.render();
      this.pendingCaret = null;
    });
    this.setWritable();
    this.render();
  }

  /** Editable or not, from the host's rules (call when status or role changes). */
  setWritable(): void {
    const who = this.host.typist(this.paragraphId);
    const writable = !("readonly" in who);
    this.el.contentEditable = writable ? "true" : "false";
    this.el.tabIndex = 0;
    this.el.setAttribute("aria-readonly", String(!writable));
    this.el.title = writable ? "" : who.readonly;
  }

  /** Rebuild the DOM from the Y.Text; keep the caret where it was (or put it at `caret`). */
  render(caret?: number | null): void {
    const focused = this.hasSelection();
    let restore: number | null = null;
    if (typeof caret === "number") restore = caret;
    else if (focused && this.anchor) {
      restore = Y.createAbsolutePositionFromRelativePosition(this.anchor, this.text.doc as Y.Doc)?.index ?? null;
    }
    patchChildren(this.el, renderRuns(this.text.toDelta() as Run[], (id) => this.host.tagOf(id)));
    if ((focused || typeof caret === "number") && restore !== null) this.setCaret(restore);
  }

  private hasSelection(): boolean {
    const active = document.activeElement;
    if (selectionOwner !== this && active !== this.el && !(active && this.el.contains(active))) return false;
    const sel = document.getSelection();
    return !!sel && sel.rangeCount > 0 && this.el.contains(sel.anchorNode);
  }

  /** The current selection as Y.Text indices [start, end]. */
  selection(): [number, number] | null {
    const sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || !this.el.contains(sel.anchorNode)) return null;
    const range = sel.getRangeAt(0);
    return [indexAt(this.el, range.startContainer, range.startOffset), indexAt(this.el, range.endContainer, range.endOffset)];
  }

  /** Remember the caret as a position relative to the text (it survives others' edits). */
  trackSelection(): void {
    const found = this.selection();
    if (!found) return;
    this.anchor = Y.createRelativePositionFromTypeIndex(this.text, found[1]);
    this.host.caret(this.paragraphId, found[1], false);
  }

  setCaret(index: number): void {
    const length = this.text.length;
    const { node, offset } = positionAt(this.el, Math.max(0, Math.min(index, length)));
    const sel = document.getSelection();
    if (!sel) return;
    const there = sel.rangeCount === 1 && sel.isCollapsed && sel.anchorNode === node && sel.anchorOffset === offset;
    if (!there) sel.collapse(node, offset);
    this.anchor = Y.createRelativePositionFromTypeIndex(this.text, index);
  }

  // -- input ---------------------------------------------------------------------------------

  private keyDown(e: KeyboardEvent): void {
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if (mod && !e.altKey && (key === "z" || key === "y")) {
      e.preventDefault();
      this.history(key === "y" || e.shiftKey ? "redo" : "undo");
      return;
    }
    if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      this.host.notify("A paragraph is one block of text: use “Propose new paragraph” to add one.");
      return;
    }
    const who = this.host.typist(this.paragraphId);
    const typing = e.key.length === 1 || e.key === "Backspace" || e.key === "Delete";
    if ("readonly" in who && typing && !e.ctrlKey && !e.metaKey && !e.altKey) this.host.notify(who.readonly);
  }

  private beforeInput(e: InputEvent): void {
    const type = e.inputType;
    if (type === "insertCompositionText" || type === "deleteCompositionText" || type === "insertFromComposition") {
      if (type === "insertFromComposition" && e.cancelable) e.preventDefault();
      return; // composition runs in the DOM; applied at compositionend
    }
    e.preventDefault();
    const who = this.host.typist(this.paragraphId);
    if ("readonly" in who) {
      this.host.notify(who.readonly);
      return;
    }
    const range = this.targetRange(e);
    if (!range) return;
    let [start, end] = range;
    let text = "";
    let backward = true;
    switch (type) {
      case "insertText":
      case "insertReplacementText":
        text = e.data ?? e.dataTransfer?.getData("text/plain") ?? "";
        break;
      case "insertFromPaste":
      case "insertFromDrop":
      case "insertFromYank":
        text = (e.dataTransfer?.getData("text/plain") ?? e.data ?? "").replace(/\s*[\r\n]+\s*/g, " ");
        break;
      case "deleteContentBackward":
      case "deleteWordBackward":
      case "deleteSoftLineBackward":
      case "deleteHardLineBackward":
      case "deleteByCut":
      case "deleteContent":
        if (start === end) start = this.stepBack(start);
        break;
      case "deleteContentForward":
      case "deleteWordForward":
      case "deleteSoftLineForward":
      case "deleteHardLineForward":
        if (start === end) end = this.stepForward(end);
        backward = false;
        break;
      case "insertParagraph":
      case "insertLineBreak":
        this.host.notify("A paragraph is one block of text: use “Propose new paragraph” to add one.");
        return;
      case "historyUndo":
      case "historyRedo":
        this.history(type === "historyUndo" ? "undo" : "redo");
        return;
      default:
        if (type.startsWith("format")) this.host.notify("Formatting is not part of the negotiated text.");
        return; // drags out of the text, formatting… are not edits of the negotiated text
    }
    this.apply({ start, end, text, backward }, who);
  }

  /** The range the browser means to change, in Y.Text indices, kept off surrogate halves. */
  private targetRange(e: InputEvent): [number, number] | null {
    const ranges = e.getTargetRanges();
    const r = ranges[0];
    const found = r
      ? ([indexAt(this.el, r.startContainer, r.startOffset), indexAt(this.el, r.endContainer, r.endOffset)] as [number, number])
      : this.selection();
    if (!found) return null;
    const s = this.text.toString();
    let [start, end] = found;
    if (start > 0 && SURROGATE_LOW(s.charCodeAt(start))) start -= 1;
    if (end < s.length && SURROGATE_LOW(s.charCodeAt(end))) end += 1;
    return [Math.min(start, end), Math.max(start, end)];
  }

  private stepBack(index: number): number {
    if (index <= 0) return 0;
    return SURROGATE_LOW(this.text.toString().charCodeAt(index - 1)) ? index - 2 : index - 1;
  }

  private stepForward(index: number): number {
    const s = this.text.toString();
    if (index >= s.length) return s.length;
    return SURROGATE_LOW(s.charCodeAt(index + 1)) ? index + 2 : index + 1;
  }

  private apply(intent: Intent, typist: Typist): void {
    const result = plan(this.text.toDelta() as Run[], intent, typist);
    if ("refused" in result) {
      this.host.notify(result.refused);
      this.render(intent.start);
      return;
    }
    if (result.ops.length === 0) {
      this.setCaret(result.caret);
      return;
    }
    this.pendingCaret = result.caret;
    const before = ownIds(this.text, typist);
    (this.text.doc as Y.Doc).transact(() => {
      for (const op of result.ops) applyOp(this.text, op);
    }, LOCAL);
    // An amendment of mine emptied by this edit is withdrawn by the server: no undo step may
    // bring its text back under the closed id.
    if (vanished(before, ownIds(this.text, typist))) this.undo.clear();
    this.pendingCaret = null;
    this.host.caret(this.paragraphId, result.caret, true);
  }

  /** Undo or redo one step of this user's own typing in this paragraph. */
  history(which: "undo" | "redo"): void {
    const who = this.host.typist(this.paragraphId);
    if ("readonly" in who) {
      this.host.notify(who.readonly);
      return;
    }
    const stack = which === "undo" ? this.undo.undoStack : this.undo.redoStack;
    if (!stack.length) {
      this.host.notify(which === "undo" ? "Nothing of yours to undo in this paragraph." : "Nothing to redo.");
      return;
    }
    const before = ownIds(this.text, who);
    if (which === "undo") this.undo.undo();
    else this.undo.redo();
    // A step that empties one of my amendments makes the server withdraw it: the other stack
    // would bring back text under a closed id, which the server reverts — so it is dropped.
    if (vanished(before, ownIds(this.text, who))) this.undo.clear(which === "redo", which === "undo");
    this.host.caret(this.paragraphId, this.selection()?.[1] ?? null, true);
  }

  /** Forget the undo history (an amendment of mine here was settled). */
  forgetHistory(): void {
    this.undo.clear();
  }

  destroy(): void {
    this.undo.destroy();
  }

  // -- IME composition -------------------------------------------------------------------------

  private compositionStart(): void {
    const sel = this.selection() ?? [0, 0];
    this.composing = { start: sel[0], end: sel[1] };
  }

  private compositionEnd(e: CompositionEvent): void {
    const at = this.composing;
    this.composing = null;
    this.render(at?.start ?? 0); // drop what the IME wrote into the DOM; the Y.Text decides
    const text = e.data ?? "";
    if (!at || !text) return;
    const who = this.host.typist(this.paragraphId);
    if ("readonly" in who) {
      this.host.notify(who.readonly);
      return;
    }
    // Others' edits during the composition moved nothing we rely on unless they hit our range.
    const length = this.text.length;
    this.apply({ start: Math.min(at.start, length), end: Math.min(at.end, length), text, backward: true }, who);
  }
}

/** Make `el`'s children equal to `fresh`'s, touching only what differs: equal runs at both ends
 * are kept, a run whose text alone changed gets that text edited in place (typing changes one
 * text node), anything else is replaced. */
export function patchChildren(el: HTMLElement, fresh: DocumentFragment): void {
  const old = [...el.childNodes];
  const next = [...fresh.childNodes];
  let start = 0;
  while (start < old.length && start < next.length && old[start]!.isEqualNode(next[start]!)) start++;
  let endOld = old.length;
  let endNew = next.length;
  while (endOld > start && endNew > start && old[endOld - 1]!.isEqualNode(next[endNew - 1]!)) {
    endOld--;
    endNew--;
  }
  const before = old[endOld] ?? null;
  const paired = Math.min(endOld - start, endNew - start);
  for (let i = 0; i < paired; i++) {
    const was = old[start + i]!;
    const now = next[start + i]!;
    if (!patchText(was, now)) el.replaceChild(now, was);
  }
  for (let i = start + paired; i < endOld; i++) old[i]!.remove();
  for (let i = start + paired; i < endNew; i++) el.insertBefore(next[i]!, before);
}

/** Edit `was` into `now` when they differ only in their text (one text node each). */
function patchText(was: Node, now: Node): boolean {
  if (!(was instanceof HTMLElement) || !(now instanceof HTMLElement)) return false;
  if (!was.cloneNode(false).isEqualNode(now.cloneNode(false))) return false;
  const a = was.firstChild;
  const b = now.firstChild;
  if (!(a instanceof Text) || !(b instanceof Text) || was.childNodes.length !== 1 || now.childNodes.length !== 1) return false;
  const x = a.data;
  const y = b.data;
  let head = 0;
  const most = Math.min(x.length, y.length);
  while (head < most && x.charCodeAt(head) === y.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < most - head && x.charCodeAt(x.length - 1 - tail) === y.charCodeAt(y.length - 1 - tail)) tail++;
  a.replaceData(head, x.length - head - tail, y.slice(head, y.length - tail));
  return true;
}

/** The ids of this typist's own pending amendments that have text or marks in `text`. */
function ownIds(text: Y.Text, typist: Typist): Set<string> {
  const out = new Set<string>();
  for (const run of text.toDelta() as Run[]) {
    const ins = insOf(run.attributes);
    if (ins && typist.owner(ins) === "mine") out.add(ins);
    for (const id of delsOf(run.attributes)) if (typist.owner(id) === "mine") out.add(id);
  }
  return out;
}

const vanished = (before: Set<string>, after: Set<string>): boolean => [...before].some((id) => !after.has(id));

/** Does a remote change to the text touch formatting (an amendment's marks)? */
function formatsOrMarks(delta: { retain?: number; insert?: unknown; attributes?: Record<string, unknown> }[]): boolean {
  return delta.some((d) => d.retain !== undefined && d.attributes !== undefined && Object.keys(d.attributes).length > 0);
}

/** Where the caret goes after an undo/redo step: after the last insertion, or at the last deletion. */
function caretAfter(delta: { retain?: number; insert?: unknown; delete?: number }[]): number {
  let index = 0;
  let caret = 0;
  for (const d of delta) {
    if (d.retain !== undefined) {
      index += d.retain;
      caret = index;
    } else if (typeof d.insert === "string") {
      index += d.insert.length;
      caret = index;
    } else if (d.delete !== undefined) caret = index;
  }
  return caret;
}

export function applyOp(text: Y.Text, op: Op): void {
  if (op.type === "insert") text.insert(op.index, op.text, op.attrs as Record<string, unknown>);
  else if (op.type === "delete") text.delete(op.index, op.length);
  else text.format(op.index, op.length, op.attrs as Record<string, unknown>);
}
