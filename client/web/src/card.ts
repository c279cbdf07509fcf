// One paragraph on screen: label, status, presence, the compilation editor (and the clean text),
// its pending amendments with supporters and objectors, and the actions the role allows.

import * as Y from "yjs";
import { ApiError, type Blocker } from "./api";
import type { App, Presence } from "./app";
import { redline, wordDiff } from "./diff";
import { ParagraphEditor } from "./editor";
import { type Amendment, type Paragraph, amendments, hue, objections, reservations } from "./live";
import { type Run, delsOf, insOf } from "./plan";
import { amendmentText, cleanText, positionAt } from "./render";
import { groupByConstituency } from "./roster";
import { ask, button, countdown, h, patch, toast } from "./ui";

export type Card = ParagraphCard;

const STATUS: Record<string, string> = {
  open: "Open",
  under_silence: "Under silence",
  agreed_ad_ref: "Agreed ad ref",
  agreed: "Agreed — locked",
};

const KIND: Record<string, string> = {
  insert: "insert",
  delete: "delete",
  replace: "replace",
  new_paragraph: "new paragraph",
  alternative: "alternative wording",
  delete_paragraph: "delete the paragraph",
};

interface CursorSpot {
  client: string;
  code: string;
  left: number;
  top: number;
  height: number;
}

const quote = (s: string): string => `“${s.length > 80 ? s.slice(0, 77) + "…" : s}”`;

export class ParagraphCard {
  readonly root: HTMLElement;
  readonly editor: ParagraphEditor;
  readonly text: Y.Text;
  private head = h("div", { class: "head" });
  private clean = h("div", { class: "clean", dir: "auto", "aria-label": "Clean text" });
  private cursors = h("div", { class: "cursors", "aria-hidden": "true" });
  private details = h("div", { class: "details" });
  private actions = h("div", { class: "actions row" });
  private blockers: { target: string; items: Blocker[] } | null = null;
  private tagKey = "";
  private writableKey = "";
  private cleanShown: string | null = null;
  private className = "";
  private cursorKey = "";
  private shownCursors: Presence[] = [];

  constructor(
    private app: App,
    p: Paragraph,
  ) {
    this.text = p.text;
    this.editor = new ParagraphEditor(p.id, p.text, app, p.label);
    const headingId = `h-${p.id}`;
    this.root = h("section", { class: "paragraph", id: `p-${p.id}`, "data-paragraph": p.id, "aria-labelledby": headingId });
    const textWrap = h("div", { class: "compilation" }, this.editor.el, this.cursors);
    this.root.append(this.head, h("div", { class: "body" }, textWrap, this.clean), this.details, this.actions);
    this.root.addEventListener("focusin", () => app.focus(p.id));
    this.root.addEventListener("pointerdown", () => app.focus(p.id));
  }

  /** Bring the card up to date (DOM writes only). True when the others' cursors must be drawn
   * again: the caller measures them for every card first (`measureCursors`), then places them. */
  update(p: Paragraph, present: Presence[]): boolean {
    const app = this.app;
    const all = app.amendmentRecords();
    const runs = p.text.toDelta() as Run[];
    const ids = new Set<string>();
    for (const run of runs) {
      const ins = insOf(run.attributes);
      if (ins) ids.add(ins);
      for (const d of delsOf(run.attributes)) ids.add(d);
    }
    const tagKey = JSON.stringify([...ids].map((id) => [id, app.tagOf(id)]));
    if (tagKey !== this.tagKey) {
      this.tagKey = tagKey;
      this.editor.render();
    }
    const writableKey = JSON.stringify([p.status, app.mode]);
    if (writableKey !== this.writableKey) {
      this.writableKey = writableKey;
      this.editor.setWritable();
    }
    const current = this.root.classList.contains("current");
    const className = `paragraph status-${p.status} kind-${p.kind}${current ? " current" : ""}`;
    if (className !== this.className || this.root.className !== className) this.root.className = this.className = className;
    if (p.status === "agreed") this.blockers = null;
    const clean = cleanText(runs);
    if (clean !== this.cleanShown) this.clean.textContent = this.cleanShown = clean;
    const others = present.filter((o) => o.focus === p.id);
    patch(this.head, JSON.stringify([p.label, p.status, p.silence_deadline, p.ad_ref_pending, others.map((o) => [o.code, o.typing]), p.proposal]), () => this.headParts(p, others));
    const pending = [...all.values()].filter((a) => a.paragraph === p.id && a.status === "pending");
    const objs = [...objections(app.doc).values()].filter((o) => o.status === "outstanding" && (o.target === `paragraph:${p.id}` || pending.some((a) => o.target === `amendment:${a.id}`)));
    const res = [...reservations(app.doc).values()].filter((r) => r.target === `paragraph:${p.id}`);
    const texts = pending.map((a) => amendmentText(runs, a.id));
    // the roster only groups the codes of supporters and objectors
    const grouped = pending.length > 0 || objs.length > 0;
    patch(this.details, JSON.stringify([pending, objs, res, texts, this.blockers, grouped ? app.roster.size : 0]), () => this.detailParts(p, pending, runs));
    patch(this.actions, JSON.stringify([p.status, p.ad_ref_pending, objs.filter((o) => o.target === `paragraph:${p.id}`).map((o) => o.delegation), app.me.role]), () => this.actionParts(p));
    const shown = present.filter((o) => o.cursor && o.cursor.paragraph === p.id);
    const cursorKey = JSON.stringify([shown.map((o) => [o.code, o.cursor?.index]), p.text.length, this.tagKey, app.showClean]);
    if (cursorKey === this.cursorKey) return false;
    this.cursorKey = cursorKey;
    this.shownCursors = shown;
    return true;
  }

  private headParts(p: Paragraph, others: ReturnType<App["presence"]>): (Node | string)[] {
    const badge = h("span", { class: `badge ${p.status}` }, STATUS[p.status] ?? p.status);
    const parts: (Node | string)[] = [h("h2", { class: "label", id: `h-${p.id}` }, p.label || p.id), badge];
    if (p.status === "under_silence" && p.silence_deadline) {
      parts.push(h("span", { class: "silence" }, "silence ends in ", countdown(p.silence_deadline, { "aria-label": `silence on ${p.label} ends in` })));
    }
    if (p.status === "agreed_ad_ref" && p.ad_ref_pending.length) parts.push(h("span", { class: "adref" }, `pending ${p.ad_ref_pending.join(", ")}`));
    if (p.proposal) {
      const a = amendments(this.app.doc).get(p.proposal);
      if (a) parts.push(h("span", { class: "proposed" }, `${KIND[a.kind] ?? a.kind} proposed by ${a.proposer}`));
    }
    const who = h("span", { class: "here", "aria-label": "Delegations in this paragraph" });
    for (const o of others) who.append(h("span", { class: `chip small${o.typing ? " typing" : ""}`, style: `--h:${hue(o.code)}`, title: `${o.name}${o.typing ? " is typing" : " is reading"}` }, o.code, o.typing ? " ✎" : ""));
    parts.push(who);
    return parts;
  }

  private detailParts(p: Paragraph, pending: Amendment[], runs: Run[]): (Node | string)[] {
    const app = this.app;
    const out: (Node | string)[] = [];
    if (this.blockers) out.push(this.blockerBox(this.blockers.target, this.blockers.items, runs));
    const objs = [...objections(app.doc).values()].filter((o) => o.status === "outstanding" && o.target === `paragraph:${p.id}`);
    if (objs.length) {
      const reasons = new Map(objs.map((o) => [o.delegation, o.reason]));
      out.push(h("p", { class: "objections" }, this.who("objections", `${p.label} objected to by`, [...reasons.keys()], (code) => (reasons.get(code) ? ` ${quote(reasons.get(code) ?? "")}` : ""))));
    }
    const res = [...reservations(app.doc).values()].filter((r) => r.target === `paragraph:${p.id}`);
    if (res.length) out.push(h("p", { class: "reservations" }, h("b", {}, "Reservations: "), res.map((r) => `${r.delegation}: ${quote(r.text)}`).join("; ")));
    if (pending.length) {
      const ul = h("ul", { class: "amendments", "aria-label": `Pending amendments in ${p.label}` });
      for (const a of pending) ul.append(this.amendmentRow(a, runs));
      out.push(ul);
    }
    return out;
  }

  private amendmentRow(a: Amendment, runs: Run[]): HTMLElement {
    const app = this.app;
    const { inserted, deleted } = amendmentText(runs, a.id);
    let what = KIND[a.kind] ?? a.kind;
    if (inserted && deleted) what = `replace ${quote(deleted)} by ${quote(inserted)}`;
    else if (inserted) what = `insert ${quote(inserted)}`;
    else if (deleted) what = `delete ${quote(deleted)}`;
    const li = h("li", { class: "amendment", "data-amendment": a.id, style: `--h:${hue(a.proposer)}` });
    li.append(h("span", { class: "chip", style: `--h:${hue(a.proposer)}` }, a.proposer), " ", h("span", { class: "what", dir: "auto" }, what));
    li.append(h("span", { class: "counts" }, this.who("support", "Supported by", a.supporters), this.who("objections", "Objected to by", a.objections)));
    const row = h("span", { class: "row inline" });
    const target = `amendment:${a.id}`;
    const label = `${a.proposer}'s amendment`;
    if (app.member && a.proposer !== app.me.code) {
      if (a.supporters.includes(app.me.code)) row.append(button("Withdraw support", () => app.act("POST", `/amendments/${a.id}/unsupport`), { "data-k": `unsup-${a.id}`, "aria-label": `Withdraw support for ${label}` }));
      else row.append(button("Support", () => app.act("POST", `/amendments/${a.id}/support`, {}, `You support ${label}.`), { "data-k": `sup-${a.id}`, "aria-label": `Support ${label}` }));
      row.append(...this.objectButtons(target, label, `amd-${a.id}`));
    }
    if (a.proposer === app.me.code) row.append(button("Withdraw", () => app.act("POST", `/amendments/${a.id}/withdraw`, {}, "Your amendment is withdrawn."), { "data-k": `wd-${a.id}`, "aria-label": `Withdraw my amendment` }));
    if (app.chair) {
      row.append(
        button("Accept", () => this.callConsensus(target), { class: "primary", "data-k": `acc-${a.id}`, "aria-label": `Call consensus to accept ${label}` }),
        button("Reject", () => app.act("POST", `/amendments/${a.id}/reject`, {}, `${label} is rejected.`), { "data-k": `rej-${a.id}`, "aria-label": `Reject ${label}` }),
      );
    }
    li.append(row);
    return li;
  }

  /** "Supported by 3 — Member States: BRA, ZAF · Civil society: APC": a count and the codes
   * grouped by constituency (readable aloud: the groups are a list). */
  private who(kind: string, words: string, codes: string[], after?: (code: string) => string): HTMLElement {
    const box = h("span", { class: `who-list ${kind}`, "data-count": String(codes.length) });
    if (!codes.length) {
      box.append(kind === "support" ? "No supporters yet" : "No objection");
      return box;
    }
    box.append(h("b", {}, `${words} ${codes.length}`), " — ");
    groupByConstituency(codes, this.app.roster).forEach(([label, list], i) => {
      if (i) box.append(h("span", { class: "sep", "aria-hidden": "true" }, " · "));
      const group = h("span", { class: "group" }, label ? `${label}: ` : "");
      list.forEach((code, j) => {
        if (j) group.append(", ");
        group.append(h("span", { class: "code", style: `--h:${hue(code)}`, title: this.app.roster.get(code)?.name ?? code }, code), after?.(code) ?? "");
      });
      box.append(group);
    });
    return box;
  }

  private objectButtons(target: string, label: string, key: string): HTMLElement[] {
    const app = this.app;
    const mine = [...objections(app.doc).values()].find((o) => o.status === "outstanding" && o.target === target && o.delegation === app.me.code);
    if (mine) return [button("Withdraw objection", () => app.act("DELETE", `/objections/${mine.id}`, undefined, "Your objection is withdrawn."), { "data-k": `wobj-${key}`, "aria-label": `Withdraw my objection to ${label}` })];
    return [
      button(
        "Object",
        async () => {
          const values = await ask(`Object to ${label}`, [{ name: "reason", label: "Reason (read out to the room)", kind: "textarea" }], "Object");
          if (values) await app.act("POST", "/objections", { target, reason: values["reason"] ?? "" }, "Your objection is on the record.");
        },
        { "data-k": `obj-${key}`, "aria-label": `Object to ${label}` },
      ),
    ];
  }

  private actionParts(p: Paragraph): (Node | string)[] {
    const app = this.app;
    const target = `paragraph:${p.id}`;
    const out: (Node | string)[] = [];
    const open = p.status === "open";
    if (app.member) {
      if (open || p.status === "under_silence") out.push(...this.objectButtons(target, p.label, `par-${p.id}`));
      out.push(
        button("Reserve", async () => {
          const values = await ask(`Reservation on ${p.label}`, [{ name: "text", label: "Explanation of position (does not block consensus)", kind: "textarea", required: true }], "Enter reservation");
          if (values) await app.act("POST", "/reservations", { target, text: values["text"] ?? "" }, "Your reservation is on the record.");
        }, { "data-k": "reserve", "aria-label": `Enter a reservation on ${p.label}` }),
      );
      if (p.status === "agreed_ad_ref" && p.ad_ref_pending.includes(app.me.code)) out.push(button("Confirm agreement", () => app.act("POST", `/paragraphs/${p.id}/confirm`, {}, `You confirmed ${p.label}.`), { class: "primary", "data-k": "confirm" }));
    }
    if (open && app.me.role !== "observer") {
      out.push(
        button("Propose by rewriting…", () => this.rewrite(p), { "data-k": "rewrite", "aria-label": `Propose changes to ${p.label} by rewriting it` }),
        button("Propose new paragraph after…", async () => {
          const v = await ask(`New paragraph after ${p.label}`, [{ name: "text", label: "Text of the new paragraph", kind: "textarea", required: true }], "Propose");
          if (v) await app.act("POST", `/paragraphs/${p.id}/propose-after`, { text: v["text"], kind: p.kind === "preambular" ? "preambular" : "operative" }, "New paragraph proposed.");
        }, { "data-k": "after" }),
        button("Propose alternative…", async () => {
          const v = await ask(`Alternative to ${p.label}`, [{ name: "text", label: "Alternative wording", kind: "textarea", value: cleanText(p.text.toDelta() as Run[]), required: true }], "Propose");
          if (v) await app.act("POST", `/paragraphs/${p.id}/alternative`, { text: v["text"], kind: p.kind }, "Alternative proposed.");
        }, { "data-k": "alt" }),
        button("Propose deletion", async () => {
          if (confirm(`Propose deleting ${p.label} as a whole?`)) await app.act("POST", `/paragraphs/${p.id}/propose-deletion`, {}, "Deletion proposed.");
        }, { "data-k": "delp" }),
      );
    }
    if (app.chair) {
      if (open) {
        out.push(
          button("Call consensus", () => this.callConsensus(target), { class: "primary", "data-k": "consensus", "aria-label": `Call consensus on ${p.label}` }),
          button("Silence…", () => this.silence(p), { "data-k": "silence", "aria-label": `Start a silence procedure on ${p.label}` }),
          button("Ad referendum…", async () => {
            const v = await ask(`Agree ${p.label} ad referendum`, [{ name: "pending", label: "Pending confirmation by (codes, comma separated)", required: true }], "Agree ad ref");
            if (v) await app.act("POST", `/paragraphs/${p.id}/ad-referendum`, { pending: (v["pending"] ?? "").split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase()) }, `${p.label} agreed ad referendum.`);
          }, { "data-k": "adref" }),
        );
      }
      if (p.status !== "open") out.push(button("Reopen", () => app.act("POST", `/paragraphs/${p.id}/reopen`, {}, `${p.label} is reopened.`), { "data-k": "reopen", "aria-label": `Reopen ${p.label}` }));
    }
    return out;
  }

  // -- the Chair's calls ------------------------------------------------------------------------

  async callConsensus(target: string): Promise<void> {
    try {
      const done = await this.app.act<{ outcome: string }>("POST", "/consensus", { target });
      this.blockers = null;
      if (done) {
        const what = target.startsWith("amendment:") ? "Accepted" : "Agreed";
        toast(`${what}: no objection.`, "ok");
      }
    } catch (error) {
      if (error instanceof ApiError) this.blockers = { target, items: error.blockers };
    }
    this.app.refresh([this.editor.paragraphId]);
  }

  private blockerBox(target: string, items: Blocker[], runs: Run[]): HTMLElement {
    const all = amendments(this.app.doc);
    const objs = objections(this.app.doc);
    const on = target.startsWith("amendment:") ? `${all.get(target.slice(10))?.proposer ?? ""}'s amendment` : "this paragraph";
    const box = h("div", { class: "blockers", role: "alert" }, h("b", {}, `No consensus on ${on}. Blocked by:`));
    const ul = h("ul", {});
    for (const b of items) {
      if (b.delegation) {
        const reason = b.objection ? objs.get(b.objection)?.reason : "";
        ul.append(h("li", { "data-blocker": b.delegation }, h("span", { class: "chip", style: `--h:${hue(b.delegation)}` }, b.delegation), ` objects${reason ? `: ${quote(reason)}` : ""}`));
      } else if (b.amendment) {
        const a = all.get(b.amendment);
        const { inserted, deleted } = amendmentText(runs, b.amendment);
        const what = inserted ? quote(inserted) : deleted ? `deleting ${quote(deleted)}` : b.amendment;
        ul.append(h("li", { "data-blocker-amendment": b.amendment }, "pending amendment by ", h("span", { class: "chip", style: `--h:${hue(a?.proposer ?? "")}` }, a?.proposer ?? "?"), ` ${what}`));
      }
    }
    box.append(ul, button("Dismiss", () => { this.blockers = null; this.app.refresh([this.editor.paragraphId]); }, { "data-k": "dismiss" }));
    return box;
  }

  private async silence(p: Paragraph): Promise<void> {
    const v = await ask(
      `Silence procedure on ${p.label}`,
      [
        { name: "amount", label: "Duration", kind: "number", value: "72", required: true },
        { name: "unit", label: "Unit", kind: "select", value: "hours", options: [["hours", "hours"], ["minutes", "minutes"], ["seconds", "seconds"]] },
      ],
      "Start silence",
    );
    if (!v) return;
    const amount = Number(v["amount"]);
    if (!(amount > 0)) return;
    await this.app.act("POST", "/silence", { target: `paragraph:${p.id}`, [v["unit"] ?? "hours"]: amount }, `Silence procedure started on ${p.label}.`);
  }

  private async rewrite(p: Paragraph): Promise<void> {
    const base = cleanText(p.text.toDelta() as Run[]);
    const preview = h("div", { class: "redline", dir: "auto", "aria-live": "polite" });
    const v = await ask(
      `Propose by rewriting ${p.label}`,
      [{ name: "text", label: "Rewrite the text; each change becomes your bracketed amendment", kind: "textarea", value: base, required: true }],
      "Propose these changes",
      (form) => {
        const area = form.querySelector("textarea");
        const show = (): void => preview.replaceChildren(redline(wordDiff(base, area?.value ?? "")));
        area?.addEventListener("input", show);
        show();
        form.append(h("p", { class: "hint" }, "Preview:"), preview);
      },
    );
    if (v && v["text"] !== base) await this.app.act("POST", `/paragraphs/${p.id}/rewrite`, { text: v["text"] }, "Your changes are proposed.");
  }

  // -- others' cursors ---------------------------------------------------------------------------

  /** Where the others' carets are, relative to the text box (DOM reads only). */
  measureCursors(): CursorSpot[] {
    if (!this.shownCursors.length) return [];
    const box = this.cursors.getBoundingClientRect();
    const length = this.text.length;
    const out: CursorSpot[] = [];
    for (const o of this.shownCursors) {
      const { node, offset } = positionAt(this.editor.el, Math.min(o.cursor?.index ?? 0, length));
      const range = document.createRange();
      range.setStart(node, offset);
      range.collapse(true);
      const rect = range.getClientRects()[0] ?? (node instanceof Element ? node.getBoundingClientRect() : null);
      if (rect) out.push({ client: String(o.client), code: o.code, left: rect.left - box.left, top: rect.top - box.top, height: rect.height });
    }
    return out;
  }

  /** Draw the others' carets where `measureCursors` found them (DOM writes only). */
  placeCursors(found: CursorSpot[]): void {
    const have = new Map<string, HTMLElement>();
    for (const el of this.cursors.children) if (el instanceof HTMLElement) have.set(el.dataset["client"] ?? "", el);
    const kept = new Set<string>();
    for (const c of found) {
      kept.add(c.client);
      const style = `--h:${hue(c.code)};left:${c.left}px;top:${c.top}px;height:${c.height}px`;
      const el = have.get(c.client);
      if (el && el.dataset["who"] === c.code) {
        if (el.getAttribute("style") !== style) el.setAttribute("style", style);
      } else {
        el?.remove();
        this.cursors.append(h("span", { class: "cursor", "data-who": c.code, "data-client": c.client, style }, h("span", { class: "who" }, c.code)));
      }
    }
    for (const [client, el] of have) if (!kept.has(client)) el.remove();
  }
}
