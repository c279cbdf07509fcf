// The app at `/`: one screen for every role. The role from /api/me decides what is shown — a
// member's screen, the Chair's console (the secretariat sees it without consensus powers), or the
// observer's read-only view with a contribution form.

import { ApiError, type Me, api, humanMessage, wordsFor } from "./api";
import { type Card, ParagraphCard } from "./card";
import { type Live, type Notice, amendments, connect, contributions, hue, meta, paragraphs, speakers } from "./live";
import type { Mode, Typist } from "./plan";
import type { TagInfo } from "./render";
import * as Y from "yjs";
import { type Roster, loadRoster } from "./roster";
import { chooseDraft, signIn, signInScreen, signOut } from "./session";
import { button, countdown, h, patch, tickCountdowns, toast } from "./ui";

export interface Presence {
  client: number;
  code: string;
  name: string;
  role: string;
  focus: string | null;
  typing: boolean;
  cursor: { paragraph: string; index: number } | null;
}

export class App {
  readonly doc;
  readonly cards = new Map<string, Card>();
  readonly myIds = new Set<string>();
  /** Edits the server reverted (there should be none: the client plans only allowed edits). */
  readonly rejected: Notice[] = [];
  mode: Mode;
  showClean = false;
  /** The delegations (code → name, constituency), for grouping supporters and objectors. */
  roster: Roster = new Map();
  /** performance.now() when the synced draft was first on screen and editable. */
  readyAt: number | null = null;
  private scheduled = false;
  private typingTimer = 0;
  private list = h("div", { class: "paragraphs" });
  private header = h("header", { class: "top" });
  private side = h("aside", { class: "side", "aria-label": "Room" });
  private status = h("span", { class: "conn connecting", role: "status" }, "Connecting…");

  constructor(
    readonly root: HTMLElement,
    readonly me: Me,
    readonly draftId: string,
    readonly live: Live,
  ) {
    this.doc = live.doc;
    this.mode = this.presides ? "base" : "suggest";
    document.body.dataset["role"] = me.role;
    const main = h("main", { class: "draft", "aria-label": "Draft" }, this.list);
    root.replaceChildren(this.header, h("div", { class: "layout" }, main, this.side));
    live.provider.on("status", ({ status }: { status: string }) => this.setStatus(status));
    live.provider.on("sync", () => this.refresh());
    void loadRoster().then((roster) => {
      this.roster = roster;
      this.refresh();
    });
    live.onNotice((notice) => {
      if (notice.type === "rejected") {
        this.rejected.push(notice);
        toast(`Your edit was undone: ${wordsFor(notice.code ?? "", notice.reason ?? "refused")}`, "error");
      }
    });
    this.doc.on("update", () => this.refresh());
    // One of my amendments settled (accepted, rejected, withdrawn): undo must not reach its text.
    this.doc.getMap("amendments").observeDeep((events, transaction) => {
      if (transaction.local) return;
      const touched = new Set<string>();
      for (const event of events) {
        const record = event.path.length ? this.doc.getMap("amendments").get(String(event.path[0])) : null;
        const keys = event.path.length ? [String(event.path[0])] : [...(event as Y.YMapEvent<unknown>).keysChanged];
        for (const key of keys) {
          const m = (record ?? this.doc.getMap("amendments").get(key)) as Y.Map<unknown> | undefined;
          if (m instanceof Y.Map && m.get("proposer") === this.me.code && (m.get("status") ?? "pending") !== "pending") touched.add(String(m.get("paragraph")));
        }
      }
      for (const pid of touched) this.cards.get(pid)?.editor.forgetHistory();
    });
    live.provider.awareness.on("change", () => this.refresh());
    live.provider.awareness.setLocalState({ focus: null, typing: false, cursor: null });
    document.addEventListener("selectionchange", () => {
      for (const card of this.cards.values()) card.editor.trackSelection();
    });
    window.addEventListener("online", () => this.setStatus(live.provider.wsconnected ? "connected" : "connecting"));
    window.addEventListener("offline", () => this.setStatus("disconnected"));
    setInterval(tickCountdowns, 250);
    this.refresh();
  }

  get presides(): boolean {
    return this.me.role === "chair" || this.me.role === "secretariat";
  }

  get chair(): boolean {
    return this.me.role === "chair";
  }

  get member(): boolean {
    return this.me.role === "member";
  }

  // -- the rules the editors apply -------------------------------------------------------------

  typist(paragraphId: string): Typist | { readonly: string } {
    if (this.me.role === "observer")
      return { readonly: "Observers can read the text but not change it; send a written contribution instead." };
    if (meta(this.doc).state === "adopted") return { readonly: "The draft is adopted: the text is final." };
    const p = paragraphs(this.doc).find((x) => x.id === paragraphId);
    if (!p) return { readonly: "This paragraph is gone." };
    if (p.status === "agreed") return { readonly: `${p.label} is agreed and locked. Only the Chair can reopen it.` };
    if (p.status === "under_silence")
      return { readonly: `${p.label} is under a silence procedure: object to break silence, or explain your position.` };
    if (p.status === "agreed_ad_ref") return { readonly: `${p.label} is agreed ad referendum: its text is locked.` };
    const all = amendments(this.doc);
    return {
      code: this.me.code,
      mode: this.mode,
      owner: (id) => {
        const a = all.get(id) ?? amendments(this.doc).get(id);
        if (!a) return this.myIds.has(id) ? "mine" : "other";
        if (a.proposer !== this.me.code) return "other";
        return a.status === "pending" ? "mine" : "closed";
      },
      newId: () => {
        const id = `${this.me.code}-${crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(36), "")}`;
        this.myIds.add(id);
        return id;
      },
      proposerOf: (id) => this.tagOf(id).proposer,
    };
  }

  tagOf(id: string): TagInfo {
    const a = amendments(this.doc).get(id);
    if (a) return { proposer: a.proposer, supporters: a.supporters };
    if (this.myIds.has(id)) return { proposer: this.me.code, supporters: [] };
    return { proposer: "…", supporters: [] };
  }

  caret(paragraphId: string, index: number | null, typing: boolean): void {
    const aw = this.live.provider.awareness;
    const cursor = index === null ? null : { paragraph: paragraphId, index };
    const current = aw.getLocalState() ?? {};
    if (typing) {
      clearTimeout(this.typingTimer);
      this.typingTimer = window.setTimeout(() => aw.setLocalStateField("typing", false), 1500);
    }
    const wanted = { ...current, focus: paragraphId, cursor, typing: typing || (current["typing"] === true && !!index) };
    if (JSON.stringify(wanted) !== JSON.stringify(current)) aw.setLocalState(wanted);
  }

  notify(message: string): void {
    toast(message, "error");
  }

  focus(paragraphId: string): void {
    for (const [id, card] of this.cards) card.root.classList.toggle("current", id === paragraphId);
    const aw = this.live.provider.awareness;
    if (aw.getLocalState()?.["focus"] !== paragraphId) aw.setLocalStateField("focus", paragraphId);
  }

  presence(): Presence[] {
    const out: Presence[] = [];
    const mine = this.doc.clientID;
    this.live.provider.awareness.getStates().forEach((state, client) => {
      if (client === mine) return;
      const d = state["delegation"] as { code?: string; name?: string; role?: string } | undefined;
      if (!d?.code) return;
      const cursor = state["cursor"] as Presence["cursor"];
      out.push({
        client,
        code: d.code,
        name: d.name ?? d.code,
        role: d.role ?? "",
        focus: typeof state["focus"] === "string" ? state["focus"] : null,
        typing: state["typing"] === true,
        cursor: cursor && typeof cursor.paragraph === "string" && typeof cursor.index === "number" ? cursor : null,
      });
    });
    return out;
  }

  // -- actions ----------------------------------------------------------------------------------

  /** Run an API call; refusals become a human message. Returns the answer, or null. */
  async act<T = Record<string, unknown>>(method: string, path: string, body?: unknown, done?: string): Promise<T | null> {
    try {
      const answer = await api<T>(method, `/api/drafts/${encodeURIComponent(this.draftId)}${path}`, body);
      if (done) toast(done, "ok");
      return answer;
    } catch (error) {
      if (error instanceof ApiError && error.code === "no_consensus") throw error;
      toast(humanMessage(error), "error");
      return null;
    }
  }

  // -- rendering --------------------------------------------------------------------------------

  refresh(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.render();
    });
  }

  private setStatus(status: string): void {
    const words: Record<string, string> = {
      connected: "Live",
      connecting: "Reconnecting… your edits are kept",
      disconnected: "Offline — your edits are kept and merge on reconnection",
    };
    const shown = !navigator.onLine ? "disconnected" : status;
    this.status.className = `conn ${shown}`;
    this.status.textContent = words[shown] ?? shown;
  }

  private render(): void {
    this.renderHeader();
    const ps = paragraphs(this.doc);
    const wanted = ps.map((p) => p.id);
    for (const [id, card] of this.cards) {
      if (!wanted.includes(id)) {
        card.root.remove();
        card.editor.destroy();
        this.cards.delete(id);
      }
    }
    ps.forEach((p, i) => {
      let card = this.cards.get(p.id);
      if (!card || card.text !== p.text) {
        card?.root.remove();
        card?.editor.destroy();
        card = new ParagraphCard(this, p);
        this.cards.set(p.id, card);
      }
      if (this.list.children[i] !== card.root) this.list.insertBefore(card.root, this.list.children[i] ?? null);
      card.update(p);
    });
    document.body.classList.toggle("show-clean", this.showClean);
    this.renderSide();
    if (this.readyAt === null && this.live.provider.synced && ps.length) {
      this.readyAt = performance.now();
      document.body.dataset["ready"] = "true"; // the editor accepts input from here on
    }
  }

  private renderHeader(): void {
    const m = meta(this.doc);
    const ps = paragraphs(this.doc);
    const allAgreed = ps.length > 0 && ps.every((p) => p.status === "agreed");
    const key = JSON.stringify([m, this.showClean, this.mode, allAgreed]);
    patch(this.header, key, () => {
      const items: (Node | string)[] = [
        h(
          "div",
          { class: "title" },
          h("span", { class: "symbol" }, m.symbol),
          h("h1", {}, m.title || "Rolling Text"),
          m.state === "adopted" ? h("span", { class: "badge agreed" }, "Adopted") : null,
        ),
      ];
      const tools = h("div", { class: "tools" });
      const clean = h("input", { type: "checkbox", id: "toggle-clean", "data-k": "clean" });
      clean.checked = this.showClean;
      clean.addEventListener("change", () => {
        this.showClean = clean.checked;
        this.refresh();
      });
      tools.append(h("label", { class: "switch", for: "toggle-clean" }, clean, " Clean text"));
      if (this.presides) {
        const sel = h("select", { id: "typing-mode", "data-k": "mode" });
        sel.append(h("option", { value: "base" }, "edit base text"), h("option", { value: "suggest" }, "propose amendments"));
        sel.value = this.mode;
        sel.addEventListener("change", () => {
          this.mode = sel.value === "suggest" ? "suggest" : "base";
          for (const card of this.cards.values()) card.editor.setWritable();
          this.refresh();
        });
        tools.append(h("label", { for: "typing-mode", class: "mode" }, "Typing: "), sel);
      }
      if (this.chair) {
        const adopt = button("Adopt the draft", async () => {
          if (!confirm("Adopt the whole draft? The adopted text is frozen.")) return;
          await this.act("POST", "/adopt", {}, "The draft is adopted.");
        }, { class: "primary", "data-k": "adopt", "aria-describedby": "adopt-why" });
        adopt.disabled = !allAgreed || m.state === "adopted";
        tools.append(adopt, h("span", { id: "adopt-why", class: "sr-only" }, allAgreed ? "Every paragraph is agreed." : "Enabled when every paragraph is agreed."));
      }
      tools.append(
        this.status,
        h("span", { class: "me", style: `--h:${hue(this.me.code)}` }, h("b", {}, this.me.code), ` ${this.me.name} · ${this.me.role}`),
        button("Sign out", async () => {
          await signOut();
          location.reload();
        }, { "data-k": "signout" }),
      );
      items.push(tools);
      return items;
    });
  }

  private renderSide(): void {
    const s = speakers(this.doc);
    const others = this.presence();
    const inbox = [...contributions(this.doc).values()];
    const key = JSON.stringify([s, others.map((o) => [o.code, o.focus, o.typing]), inbox, paragraphs(this.doc).map((p) => p.label)]);
    patch(this.side, key, () => [this.speakersPanel(), this.presencePanel(others), this.contributionsPanel()]);
  }

  private speakersPanel(): HTMLElement {
    const s = speakers(this.doc);
    const box = h("section", { class: "panel speakers", "aria-labelledby": "speakers-h" }, h("h2", { id: "speakers-h" }, "Speakers' list"));
    if (s.floor) {
      box.append(
        h(
          "p",
          { class: "floor" },
          "Floor: ",
          h("b", { style: `--h:${hue(s.floor)}`, class: "chip" }, s.floor),
          " ",
          s.floor_ends ? countdown(s.floor_ends, { "aria-label": "time left for the speaker" }) : "",
        ),
      );
    } else box.append(h("p", { class: "muted" }, "Nobody has the floor."));
    const queue = h("ol", { class: "queue", "aria-label": "Waiting for the floor" });
    for (const code of s.queue) {
      const li = h("li", {}, h("span", { class: "chip", style: `--h:${hue(code)}` }, code));
      if (this.presides) li.append(" ", button("Give floor", () => this.act("POST", "/speakers/next", { delegation: code }), { "data-k": `give-${code}`, "aria-label": `Give the floor to ${code}` }));
      queue.append(li);
    }
    if (s.queue.length) box.append(queue);
    else box.append(h("p", { class: "muted" }, "The list is empty."));
    const row = h("div", { class: "row" });
    if (this.me.role !== "observer") {
      if (s.queue.includes(this.me.code)) row.append(button("Withdraw my request", () => this.act("DELETE", "/speakers"), { "data-k": "unask" }));
      else if (s.floor !== this.me.code) row.append(button("Ask for the floor", () => this.act("POST", "/speakers", {}, "You are on the speakers' list."), { "data-k": "ask" }));
    }
    if (this.presides) {
      const next = button("Next speaker", () => this.act("POST", "/speakers/next", {}), { "data-k": "next" });
      next.disabled = s.queue.length === 0;
      row.append(next);
    }
    if (s.floor && (this.presides || s.floor === this.me.code)) row.append(button("End intervention", () => this.act("POST", "/speakers/end"), { "data-k": "end" }));
    box.append(row);
    return box;
  }

  private presencePanel(others: Presence[]): HTMLElement {
    const labels = new Map(paragraphs(this.doc).map((p) => [p.id, p.label]));
    const box = h("section", { class: "panel presence", "aria-labelledby": "presence-h" }, h("h2", { id: "presence-h" }, `In the room (${others.length + 1})`));
    const ul = h("ul", {});
    const seen = new Set<string>();
    for (const o of others) {
      if (seen.has(o.code)) continue;
      seen.add(o.code);
      const where = o.focus ? labels.get(o.focus) ?? "" : "";
      ul.append(h("li", {}, h("span", { class: "chip", style: `--h:${hue(o.code)}` }, o.code), where ? ` ${o.typing ? "typing in" : "reading"} ${where}` : ""));
    }
    box.append(ul);
    return box;
  }

  private contributionsPanel(): HTMLElement {
    const box = h("section", { class: "panel contributions", "aria-labelledby": "contrib-h" });
    const all = [...contributions(this.doc).values()].sort((a, b) => (a.submitted ?? "").localeCompare(b.submitted ?? ""));
    const ps = paragraphs(this.doc);
    if (this.presides) {
      box.append(h("h2", { id: "contrib-h" }, "Written contributions"));
      const waiting = all.filter((c) => c.status === "submitted");
      if (!waiting.length) box.append(h("p", { class: "muted" }, "No contribution waiting."));
      const ul = h("ul", { class: "inbox" });
      for (const c of waiting) {
        const about = c.paragraph ? ps.find((p) => p.id === c.paragraph)?.label : null;
        const after = c.paragraph ?? ps[ps.length - 1]?.id;
        ul.append(
          h(
            "li",
            { class: "contribution", "data-contribution": c.id },
            h("span", { class: "chip", style: `--h:${hue(c.delegation)}` }, c.delegation),
            about ? ` on ${about}` : "",
            h("p", { dir: "auto" }, c.text),
            h(
              "span",
              { class: "row" },
              button("Turn into proposal", () => this.act("POST", `/contributions/${c.id}/take-up`, { after }, "Proposed as a new paragraph."), {
                "data-k": `take-${c.id}`,
                "aria-label": `Turn ${c.delegation}'s contribution into a proposal`,
              }),
              about && c.paragraph
                ? button(
                    `Amend ${about}`,
                    () =>
                      this.act(
                        "POST",
                        `/contributions/${c.id}/take-up`,
                        { kind: "insert", paragraph: c.paragraph, inserted: ` ${c.text.replace(/\s*[\r\n]+\s*/g, " ").trim()}` },
                        `Proposed as ${c.delegation}'s insertion in ${about}.`,
                      ),
                    { "data-k": `amend-${c.id}`, "aria-label": `Propose ${c.delegation}'s contribution as an insertion at the end of ${about}` },
                  )
                : null,
            ),
          ),
        );
      }
      box.append(ul);
      return box;
    }
    box.append(h("h2", { id: "contrib-h" }, "Written contribution"));
    const form = h("form", { class: "contribute" });
    const area = h("textarea", { id: "contribution-text", name: "text", rows: 4, dir: "auto", required: true });
    const sel = h("select", { id: "contribution-paragraph", name: "paragraph" });
    sel.append(h("option", { value: "" }, "the draft as a whole"), ...ps.map((p) => h("option", { value: p.id }, p.label)));
    form.append(
      h("label", { for: "contribution-text" }, "Your text for the secretariat"),
      area,
      h("label", { for: "contribution-paragraph" }, "About"),
      sel,
      h("button", { type: "submit", class: "primary" }, "Send contribution"),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body: Record<string, string> = { text: area.value };
      if (sel.value) body["paragraph"] = sel.value;
      const done = await this.act("POST", "/contributions", body, "Your contribution was sent to the secretariat.");
      if (done) area.value = "";
    });
    box.append(form);
    const mine = all.filter((c) => c.delegation === this.me.code);
    if (mine.length) {
      box.append(h("ul", { class: "mine" }, ...mine.map((c) => h("li", { dir: "auto" }, `${c.text.slice(0, 60)} — ${c.status === "taken_up" ? "taken up" : "submitted"}`))));
    }
    return box;
  }
}

export async function start(root: HTMLElement): Promise<void> {
  let me: Me | null;
  try {
    me = await signIn();
  } catch (error) {
    signInScreen(root, humanMessage(error));
    return;
  }
  if (!me) {
    signInScreen(root, "Open the sign-in link you were given (it looks like …/?token=…).");
    return;
  }
  const draftId = await chooseDraft();
  if (!draftId) {
    signInScreen(root, "There is no draft on this server yet.");
    return;
  }
  const app = new App(root, me, draftId, connect(draftId));
  (window as unknown as { rollingText: App }).rollingText = app;
}
