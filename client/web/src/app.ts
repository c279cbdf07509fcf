// The app at `/`: one screen for every role. The role from /api/me decides what is shown — a
// member's screen, the Chair's console (the secretariat sees it without consensus powers), or the
// observer's read-only view with a contribution form.

import { ApiError, type Me, api, humanMessage, wordsFor } from "./api";
import { type Card, ParagraphCard } from "./card";
import { type Amendment, type Live, type Paragraph, type Notice, amendments, connect, contributions, hue, meta, paragraphs, speakers } from "./live";
import type { Mode, Typist } from "./plan";
import type { TagInfo } from "./render";
import * as Y from "yjs";
import { type Roster, loadRoster } from "./roster";
import { noteSelection } from "./editor";
import { chooseDraft, signIn, signInScreen, signOut } from "./session";
import { button, countdown, h, patch, tickCountdowns, toast } from "./ui";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any shared type of the document
type AnyType = Y.AbstractType<any>;

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
  // What the next frame re-renders: the cards an update touched (by paragraph id), or everything
  // (`all`: paragraphs added, removed or moved, the draft's state, a view toggle), the header and
  // the side panels. Updates mark, one animation frame renders (bursts coalesce).
  private all = true;
  private dirty = new Set<string>();
  private headerDirty = true;
  private sideDirty = true;
  private frame = 0;
  private fallback = 0;
  /** Who else is where, as last rendered (awareness client → paragraphs they show up in). */
  private seen = new Map<number, { key: string; paragraphs: string[] }>();
  /** The amendment records, read once per transaction (tags are looked up per run). */
  private amendmentCache: Map<string, Amendment> | null = null;
  private paragraphCache: Map<string, Paragraph> | null = null;
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
    // The roster only groups supporters and objectors: fetched once the draft is on screen, so it
    // does not compete with the sync (or after 2 s, whatever happens to the connection).
    let rosterAsked = false;
    const askRoster = (): void => {
      if (rosterAsked) return;
      rosterAsked = true;
      void loadRoster().then((roster) => {
        this.roster = roster;
        this.refresh();
      });
    };
    const rosterTimer = window.setTimeout(askRoster, 2000);
    live.provider.on("sync", (synced: boolean) => {
      if (!synced) return;
      if (this.readyAt === null) performance.mark("rt:synced");
      this.all = true;
      this.flush(); // the first paint straight from the synced document
      clearTimeout(rosterTimer);
      askRoster();
    });
    live.onNotice((notice) => {
      if (notice.type === "rejected") {
        this.rejected.push(notice);
        toast(`Your edit was undone: ${wordsFor(notice.code ?? "", notice.reason ?? "refused")}`, "error");
      }
    });
    this.observe();
    live.provider.awareness.on("change", (changes: { added: number[]; updated: number[]; removed: number[] }) => this.presenceChanged(changes));
    live.provider.awareness.setLocalState({ focus: null, typing: false, cursor: null });
    // Only the editor holding the selection tracks it (no per-paragraph selection reads).
    document.addEventListener("selectionchange", () => {
      const node = document.getSelection()?.anchorNode ?? null;
      const at = (node instanceof Element ? node : node?.parentElement)?.closest<HTMLElement>("section[data-paragraph]");
      const card = at ? this.cards.get(at.dataset["paragraph"] ?? "") : undefined;
      noteSelection(card?.editor ?? null);
      card?.editor.trackSelection();
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
    const p = this.paragraphRecords().get(paragraphId);
    if (!p) return { readonly: "This paragraph is gone." };
    if (p.status === "agreed") return { readonly: `${p.label} is agreed and locked. Only the Chair can reopen it.` };
    if (p.status === "under_silence")
      return { readonly: `${p.label} is under a silence procedure: object to break silence, or explain your position.` };
    if (p.status === "agreed_ad_ref") return { readonly: `${p.label} is agreed ad referendum: its text is locked.` };
    return {
      code: this.me.code,
      mode: this.mode,
      owner: (id) => {
        const a = this.amendmentRecords().get(id);
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

  /** The amendment records (read at most once per transaction). */
  amendmentRecords(): Map<string, Amendment> {
    this.amendmentCache ??= amendments(this.doc);
    return this.amendmentCache;
  }

  /** The paragraphs by id (read at most once per transaction: every editor asks for its rules). */
  paragraphRecords(): Map<string, Paragraph> {
    this.paragraphCache ??= new Map(paragraphs(this.doc).map((p) => [p.id, p]));
    return this.paragraphCache;
  }

  tagOf(id: string): TagInfo {
    const a = this.amendmentRecords().get(id);
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
      const found = presenceOf(client, state);
      if (found) out.push(found);
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

  /** Re-render the cards of these paragraphs in the next frame; without ids, everything. */
  refresh(paragraphIds?: Iterable<string>): void {
    if (paragraphIds) for (const id of paragraphIds) this.dirty.add(id);
    else this.all = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.flush());
    // A hidden tab gets no animation frames: render anyway, a little later.
    this.fallback = window.setTimeout(() => this.flush(), 200);
  }

  /** Map every change of the document to what it touches on screen. */
  private observe(): void {
    const doc = this.doc;
    doc.on("beforeObserverCalls", () => {
      this.amendmentCache = null;
      this.paragraphCache = null;
    });
    const paras = doc.getArray("paragraphs");
    const records = doc.getMap("amendments");
    const paragraphOfTarget = (target: string): string | null => {
      if (target.startsWith("paragraph:")) return target.slice(10);
      if (target.startsWith("amendment:")) {
        const a = records.get(target.slice(10));
        return a instanceof Y.Map ? String(a.get("paragraph") ?? "") : null;
      }
      return null;
    };
    /** The top-level record (an entry of `root`) a nested event happened in. */
    const recordOf = (event: Y.YEvent<AnyType>, root: AnyType): AnyType | null => {
      let t: AnyType | null = event.target;
      while (t && t.parent !== root) t = t.parent;
      return t;
    };
    /** For a map of records: the records an event batch touched (null: one was removed). */
    const touchedRecords = (events: Y.YEvent<AnyType>[], root: Y.Map<unknown>): (Y.Map<unknown> | null)[] => {
      const out: (Y.Map<unknown> | null)[] = [];
      for (const event of events) {
        if (event.target === root) {
          for (const key of (event as Y.YMapEvent<unknown>).keysChanged) {
            const m = root.get(key);
            out.push(m instanceof Y.Map ? (m as Y.Map<unknown>) : null);
          }
        } else {
          const m = recordOf(event, root);
          out.push(m instanceof Y.Map ? (m as Y.Map<unknown>) : null);
        }
      }
      return out;
    };

    paras.observeDeep((events) => {
      for (const event of events) {
        if (event.target === paras) {
          this.all = true; // paragraphs added, removed or moved
          continue;
        }
        const m = recordOf(event, paras);
        if (!(m instanceof Y.Map)) {
          this.all = true;
          continue;
        }
        this.dirty.add(String(m.get("id") ?? ""));
        if (event.target === m) {
          // status, label, proposal…: the header (adopt when all agreed) and the side panels
          // (labels) may show it too
          this.headerDirty = true;
          this.sideDirty = true;
        }
      }
      this.schedule();
    });

    records.observeDeep((events, transaction) => {
      const settled = new Set<string>();
      for (const m of touchedRecords(events, records)) {
        if (!m) {
          this.all = true; // a record went away: where it was shown is unknown
          continue;
        }
        const pid = String(m.get("paragraph") ?? "");
        this.dirty.add(pid);
        // One of my amendments settled (accepted, rejected, withdrawn): undo must not reach its text.
        if (!transaction.local && m.get("proposer") === this.me.code && (m.get("status") ?? "pending") !== "pending") settled.add(pid);
      }
      for (const pid of settled) this.cards.get(pid)?.editor.forgetHistory();
      // a paragraph proposed by one of these amendments names it in its head
      const proposals = new Map<unknown, string>();
      for (const item of paras.toArray()) if (item instanceof Y.Map && item.get("proposal")) proposals.set(item.get("proposal"), String(item.get("id") ?? ""));
      if (proposals.size) {
        for (const event of events) {
          const keys = event.target === records ? [...(event as Y.YMapEvent<unknown>).keysChanged] : [String(event.path[0] ?? "")];
          for (const key of keys) {
            const pid = proposals.get(key);
            if (pid) this.dirty.add(pid);
          }
        }
      }
      this.schedule();
    });

    for (const name of ["objections", "reservations"]) {
      const root = doc.getMap(name);
      root.observeDeep((events) => {
        for (const m of touchedRecords(events, root)) {
          const pid = m ? paragraphOfTarget(String(m.get("target") ?? "")) : null;
          if (pid) this.dirty.add(pid);
          else this.all = true;
        }
        this.schedule();
      });
    }
    for (const name of ["contributions", "speakers"]) {
      doc.getMap(name).observeDeep(() => {
        this.sideDirty = true;
        this.schedule();
      });
    }
    doc.getMap("meta").observeDeep(() => {
      this.all = true; // title, symbol, adoption: the header, and every editor's writability
      for (const card of this.cards.values()) card.editor.setWritable();
      this.schedule();
    });
  }

  /** Presence changed: only the cards where those delegations were or are now (their chips and
   * cursors) and, when someone moved or started typing, the room panel. */
  private presenceChanged({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void {
    const states = this.live.provider.awareness.getStates();
    for (const client of [...added, ...updated, ...removed]) {
      if (client === this.doc.clientID) continue;
      const before = this.seen.get(client);
      const now = presenceOf(client, states.get(client));
      for (const pid of before?.paragraphs ?? []) this.dirty.add(pid);
      if (now) {
        const where = [now.focus, now.cursor?.paragraph].filter((x): x is string => !!x);
        for (const pid of where) this.dirty.add(pid);
        const key = JSON.stringify([now.code, now.focus, now.typing]);
        if (before?.key !== key) this.sideDirty = true;
        this.seen.set(client, { key, paragraphs: where });
      } else {
        if (before) this.sideDirty = true;
        this.seen.delete(client);
      }
    }
    this.schedule();
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

  /** Render what changed since the last frame: DOM writes first (header, touched cards, side
   * panels), then one read pass measuring the cursors that moved, then their writes. */
  private flush(): void {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.fallback);
    this.frame = 0;
    const all = this.all;
    const touched = this.dirty;
    this.all = false;
    this.dirty = new Set();
    const ps = [...this.paragraphRecords().values()];
    const others = this.presence();
    if (all || this.headerDirty) this.renderHeader(ps);
    this.headerDirty = false;
    if (all) {
      const wanted = new Set(ps.map((p) => p.id));
      for (const [id, card] of this.cards) {
        if (!wanted.has(id)) {
          card.root.remove();
          card.editor.destroy();
          this.cards.delete(id);
        }
      }
    }
    const moved: Card[] = [];
    ps.forEach((p, i) => {
      if (!all && !touched.has(p.id)) return;
      let card = this.cards.get(p.id);
      if (!card || card.text !== p.text) {
        card?.root.remove();
        card?.editor.destroy();
        card = new ParagraphCard(this, p);
        this.cards.set(p.id, card);
      }
      if (this.list.children[i] !== card.root) this.list.insertBefore(card.root, this.list.children[i] ?? null);
      if (card.update(p, others)) moved.push(card);
    });
    if (all) document.body.classList.toggle("show-clean", this.showClean);
    if (all || this.sideDirty) this.renderSide(ps, others);
    this.sideDirty = false;
    // reads (one layout for all of them), then writes
    const cursors = moved.map((card) => card.measureCursors());
    moved.forEach((card, i) => card.placeCursors(cursors[i] ?? []));
    if (this.readyAt === null && this.live.provider.synced && ps.length) {
      this.readyAt = performance.now();
      performance.mark("rt:ready");
      document.body.dataset["ready"] = "true"; // the editor accepts input from here on
    }
  }

  private renderHeader(ps: ReturnType<typeof paragraphs>): void {
    const m = meta(this.doc);
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

  private renderSide(ps: ReturnType<typeof paragraphs>, others: Presence[]): void {
    const s = speakers(this.doc);
    const inbox = [...contributions(this.doc).values()];
    const key = JSON.stringify([s, others.map((o) => [o.code, o.focus, o.typing]), inbox, ps.map((p) => p.label)]);
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

function presenceOf(client: number, state: Record<string, unknown> | undefined): Presence | null {
  const d = state?.["delegation"] as { code?: string; name?: string; role?: string } | undefined;
  if (!state || !d?.code) return null;
  const cursor = state["cursor"] as Presence["cursor"];
  return {
    client,
    code: d.code,
    name: d.name ?? d.code,
    role: d.role ?? "",
    focus: typeof state["focus"] === "string" ? state["focus"] : null,
    typing: state["typing"] === true,
    cursor: cursor && typeof cursor.paragraph === "string" && typeof cursor.index === "number" ? cursor : null,
  };
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
  performance.mark("rt:signed-in");
  const draftId = await chooseDraft();
  if (!draftId) {
    signInScreen(root, "There is no draft on this server yet.");
    return;
  }
  performance.mark("rt:connect");
  const app = new App(root, me, draftId, connect(draftId));
  (window as unknown as { rollingText: App }).rollingText = app;
}
