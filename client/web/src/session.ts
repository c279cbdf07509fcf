// Sign-in: a link `/?token=…` is exchanged for an HttpOnly cookie, and the token leaves the
// address bar at once (history.replaceState). Later visits use the cookie.

import { ApiError, answerOf, api, type Me } from "./api";

/** What the inline boot script of `index.html` started before this code loaded: the sign-in
 * (POST /api/session with the link's token, else GET /api/me) and, without `?draft=`, the list of
 * drafts. Each is used once; without it (the projector) the requests are made here. */
interface Boot {
  me?: Promise<Response | null>;
  drafts?: Promise<Response | null>;
}

const boot: Boot = (window as unknown as { rtBoot?: Boot }).rtBoot ?? {};

function take(key: keyof Boot): Promise<Response | null> | undefined {
  const started = boot[key];
  delete boot[key];
  return started;
}

export async function signIn(): Promise<Me | null> {
  const started = take("me");
  if (started) {
    try {
      return await answerOf<Me>(await started);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  }
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token) {
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    try {
      return await api<Me>("POST", "/api/session", { token });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  }
  try {
    return await api<Me>("GET", "/api/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  await api("DELETE", "/api/session");
}

interface DraftSummary {
  id: string;
  title: string;
  symbol: string;
  state: string;
}

/** The draft named by `?draft=`, else the first on the server. */
export async function chooseDraft(): Promise<string | null> {
  const wanted = new URL(location.href).searchParams.get("draft");
  if (wanted) return wanted;
  const started = take("drafts");
  const { drafts } = started ? await answerOf<{ drafts: DraftSummary[] }>(await started) : await api<{ drafts: DraftSummary[] }>("GET", "/api/drafts");
  return drafts[0]?.id ?? null;
}

export function signInScreen(root: HTMLElement, why: string): void {
  root.replaceChildren();
  const box = document.createElement("main");
  box.className = "signin";
  const h = document.createElement("h1");
  h.textContent = "Rolling Text";
  const p = document.createElement("p");
  p.textContent = why;
  box.append(h, p);
  root.append(box);
}
