// The HTTP API (README "HTTP API"): same origin, authenticated by the HttpOnly `rt_token` cookie.
// Every refusal becomes an `ApiError` carrying the server's stable code; `humanMessage` turns it
// into words for the room.

export interface Me {
  code: string;
  name: string;
  role: "chair" | "secretariat" | "member" | "observer";
  constituency: string;
}

export interface Blocker {
  delegation?: string;
  objection?: string;
  amendment?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get blockers(): Blocker[] {
    const found = this.details["blockers"];
    return Array.isArray(found) ? (found as Blocker[]) : [];
  }
}

export async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("offline", "The server cannot be reached.", 0);
  }
  return answerOf<T>(response);
}

/** The JSON answer of a response, or an `ApiError` with the server's code; `null` (a request
 * that never reached the server) is the "offline" error. */
export async function answerOf<T = Record<string, unknown>>(response: Response | null): Promise<T> {
  if (!response) throw new ApiError("offline", "The server cannot be reached.", 0);
  const text = await response.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  if (!response.ok) {
    const error = (parsed as { error?: Record<string, unknown> }).error ?? {};
    const { code, message, ...details } = error;
    throw new ApiError(
      typeof code === "string" ? code : `http_${response.status}`,
      typeof message === "string" ? message : response.statusText,
      response.status,
      details,
    );
  }
  return parsed as T;
}

const WORDS: Record<string, string> = {
  offline: "The server cannot be reached. Your typing is kept and will be sent on reconnection.",
  unauthenticated: "You are not signed in, or your sign-in link has expired. Open your link again.",
  forbidden: "Your delegation may not do this.",
  unknown_draft: "This draft does not exist (any more).",
  unknown_paragraph: "This paragraph does not exist (any more).",
  unknown_amendment: "This amendment does not exist (any more).",
  unknown_objection: "This objection does not exist (any more).",
  unknown_contribution: "This contribution does not exist (any more).",
  unknown_delegation: "No delegation has that code.",
  invalid: "That request is not valid.",
  duplicate_id: "That already exists.",
  draft_adopted: "The draft has been adopted: it is frozen.",
  paragraph_locked: "This paragraph is agreed and locked. Only the Chair can reopen it.",
  under_silence: "This paragraph is under a silence procedure: object to break silence, or wait for the deadline.",
  not_under_silence: "This paragraph is not under a silence procedure.",
  silence_running: "A silence procedure is already running here.",
  not_ad_referendum: "This paragraph is not agreed ad referendum.",
  not_pending: "That amendment is no longer pending.",
  already_supported: "Your delegation already supports this amendment.",
  not_supported: "Your delegation does not support this amendment.",
  own_amendment: "This is your own amendment: you cannot support or object to it.",
  already_objected: "Your delegation has already objected to this.",
  not_outstanding: "That objection is no longer outstanding.",
  no_consensus: "There is no consensus.",
  not_all_agreed: "The draft cannot be adopted until every paragraph is agreed.",
  already_taken_up: "That contribution has already been turned into a proposal.",
  already_in_queue: "You are already on the speakers' list.",
  not_in_queue: "You are not on the speakers' list.",
  no_speaker: "Nobody is waiting for the floor.",
  floor_taken: "Someone has the floor already.",
  too_large: "That text is too long.",
  bad_request: "The request was malformed.",
  // suggestion-mode refusals (websocket notices of reverted edits)
  observer_read_only: "Observers can read the text but not change it; send a written contribution instead.",
  base_text_inserted: "Members type only inside their own brackets.",
  base_text_deleted: "Members cannot delete base text: it is struck through as your proposal instead.",
  foreign_amendment: "That bracket is another delegation's proposal.",
  forged_amendment: "That amendment belongs to another delegation.",
  foreign_mark: "That deletion is another delegation's proposal.",
  mark_on_insertion: "A proposed insertion cannot be struck out: object to it instead.",
  formatting_forbidden: "Formatting is not part of the negotiated text.",
  closed_amendment: "That amendment is closed; type to make a new proposal.",
  other_paragraph: "That amendment belongs to another paragraph.",
  invalid_amendment_id: "The edit carried an invalid amendment id.",
  malformed_delta: "The edit could not be read.",
};

export function humanMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const words = WORDS[error.code];
    if (error.code === "forbidden" || error.code === "invalid") return `${words} ${error.message}`.trim();
    return words ?? error.message ?? "That was refused.";
  }
  return error instanceof Error ? error.message : String(error);
}

export function wordsFor(code: string, fallback: string): string {
  return WORDS[code] ?? fallback;
}
