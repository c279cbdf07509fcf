// Sign-in: a link `/?token=…` is exchanged for an HttpOnly cookie, and the token leaves the
// address bar at once (history.replaceState). Later visits use the cookie.

import { ApiError, api, type Me } from "./api";

export async function signIn(): Promise<Me | null> {
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
  const { drafts } = await api<{ drafts: DraftSummary[] }>("GET", "/api/drafts");
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
