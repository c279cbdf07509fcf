// An unmodified yjs + y-websocket client, driven by JSON commands for the interop tests.
//
//   node yclient.mjs <ws://127.0.0.1:PORT/drafts> <draft id> <token>
//
// It joins `<serverUrl>/<draft id>/sync?token=…` with a stock `WebsocketProvider`, then reads one
// JSON command per line on stdin and answers each with exactly one JSON line on stdout (errors
// as {"error": "…"}). Indices are UTF-16 code units, as everywhere in Yjs. Logs go to stderr.
//
// Commands (`op`):
//   wait_synced {timeout_ms}                       → {synced: true}
//   status                                         → {connected, synced, closed}
//   paragraphs                                     → {paragraphs: [{id, label, kind, status, text}]}
//   amendments                                     → {amendments: {id: {...}}}
//   text {paragraph}                               → {text, delta}
//   insert {paragraph, index, text, attributes}    → {text, delta}  (attributes are required:
//                                                    Yjs would inherit the neighbours' otherwise)
//   delete {paragraph, index, length}              → {text, delta}
//   format {paragraph, index, length, attributes}  → {text, delta}
//   wait_text {paragraph, equals | contains, timeout_ms} → {text, delta}
//   notices                                        → {notices: [...]}  (custom message type 100)
//   wait_notice {code?, type?, timeout_ms}         → {notice}
//   disconnect / connect                           → {connected}  (go offline, come back)
//   close                                          → {closed: true}, then the process exits

import * as readline from 'node:readline'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'

const NOTICE = 100 // our custom message type: varuint(100) + varuint(byte length) + UTF-8 JSON
const DEFAULT_TIMEOUT_MS = 10000

const [serverUrl, draftId, token] = process.argv.slice(2)
if (!serverUrl || !draftId || !token) {
  process.stderr.write('usage: node yclient.mjs <ws://host:port/drafts> <draft id> <token>\n')
  process.exit(2)
}

const doc = new Y.Doc()
const provider = new WebsocketProvider(serverUrl, `${draftId}/sync`, doc, {
  connect: false, // connect only once our handler for notices is in place
  params: { token },
  WebSocketPolyfill: WebSocket,
  disableBc: true // Node ≥ 18 has a BroadcastChannel: two drivers must meet only on the server
})

// y-websocket dispatches each incoming frame on its first varuint through the provider's own
// copy of the handler table (`provider.messageHandlers`, cloned per provider from the module's
// array). A handler gets (encoder, decoder, provider, emitSynced, messageType) with the decoder
// positioned after the type; anything it writes to the encoder is sent back, so ours writes
// nothing.
const notices = []
const noticeWaiters = new Set()
provider.messageHandlers[NOTICE] = (_encoder, decoder) => {
  const body = decoding.readVarUint8Array(decoder)
  const notice = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  notices.push(notice)
  for (const waiter of noticeWaiters) waiter(notice)
}

let closed = null
provider.on('connection-close', (event) => {
  closed = event ? { code: event.code, reason: event.reason } : { code: null, reason: '' }
})
provider.connect()

// -- reading the document -----------------------------------------------------------------------

const paragraphs = () => doc.getArray('paragraphs')

const paragraphMap = (id) => {
  for (const item of paragraphs()) {
    if (item instanceof Y.Map && item.get('id') === id) return item
  }
  throw new Error(`no paragraph ${JSON.stringify(id)} in the document`)
}

const ytext = (id) => {
  const text = paragraphMap(id).get('text')
  if (!(text instanceof Y.Text)) throw new Error(`paragraph ${id} has no Y.Text`)
  return text
}

const textOf = (id) => {
  const text = ytext(id)
  return { text: text.toString(), delta: text.toDelta() }
}

const describe = (map) => {
  const out = {}
  for (const [key, value] of map.entries()) {
    out[key] = value instanceof Y.AbstractType ? value.toJSON() : value
  }
  return out
}

// -- waiting with a deadline, on events ---------------------------------------------------------

const withDeadline = (timeoutMs, what, subscribe) =>
  new Promise((resolve, reject) => {
    let unsubscribe = () => {}
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const done = (value) => {
      clearTimeout(timer)
      unsubscribe()
      resolve(value)
    }
    unsubscribe = subscribe(done)
  })

const waitSynced = (timeoutMs) =>
  withDeadline(timeoutMs, 'the first sync', (done) => {
    if (provider.synced) {
      done({ synced: true })
      return () => {}
    }
    const onSync = (synced) => synced && done({ synced: true })
    provider.on('sync', onSync)
    return () => provider.off('sync', onSync)
  })

const waitText = ({ paragraph, equals, contains, timeout_ms: timeoutMs }) => {
  if (equals === undefined && contains === undefined) {
    throw new Error('wait_text needs "equals" or "contains"')
  }
  const text = ytext(paragraph)
  const wanted = () => {
    const now = text.toString()
    return equals !== undefined ? now === equals : now.includes(contains)
  }
  const what = equals !== undefined
    ? `${paragraph} == ${JSON.stringify(equals)}`
    : `${paragraph} containing ${JSON.stringify(contains)}`
  return withDeadline(timeoutMs ?? DEFAULT_TIMEOUT_MS, what, (done) => {
    if (wanted()) {
      done(textOf(paragraph))
      return () => {}
    }
    const onChange = () => wanted() && done(textOf(paragraph))
    text.observe(onChange)
    return () => text.unobserve(onChange)
  }).catch((error) => {
    throw new Error(`${error.message}; text is ${JSON.stringify(text.toString())}`)
  })
}

const waitNotice = ({ code, type, timeout_ms: timeoutMs }) => {
  const matches = (n) => (code === undefined || n.code === code) && (type === undefined || n.type === type)
  return withDeadline(timeoutMs ?? DEFAULT_TIMEOUT_MS, `a notice ${JSON.stringify({ type, code })}`, (done) => {
    const found = notices.find(matches)
    if (found) {
      done({ notice: found })
      return () => {}
    }
    const waiter = (notice) => matches(notice) && done({ notice })
    noticeWaiters.add(waiter)
    return () => noticeWaiters.delete(waiter)
  })
}

// -- commands -----------------------------------------------------------------------------------

const requireAttributes = (command) => {
  const { attributes } = command
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new Error(`${command.op} needs an explicit "attributes" object`)
  }
  return attributes
}

const operations = {
  wait_synced: (c) => waitSynced(c.timeout_ms ?? DEFAULT_TIMEOUT_MS),
  status: () => ({ connected: provider.wsconnected, synced: provider.synced, closed }),
  paragraphs: () => ({
    paragraphs: paragraphs().toArray().map((m) => ({ ...describe(m), text: m.get('text')?.toString() }))
  }),
  amendments: () => ({ amendments: doc.getMap('amendments').toJSON() }),
  text: (c) => textOf(c.paragraph),
  insert: (c) => {
    ytext(c.paragraph).insert(c.index, c.text, requireAttributes(c))
    return textOf(c.paragraph)
  },
  delete: (c) => {
    ytext(c.paragraph).delete(c.index, c.length)
    return textOf(c.paragraph)
  },
  format: (c) => {
    ytext(c.paragraph).format(c.index, c.length, requireAttributes(c))
    return textOf(c.paragraph)
  },
  wait_text: waitText,
  notices: () => ({ notices }),
  wait_notice: waitNotice,
  disconnect: () => {
    provider.disconnect()
    return { connected: provider.wsconnected }
  },
  connect: (c) => {
    provider.connect()
    return waitSynced(c.timeout_ms ?? DEFAULT_TIMEOUT_MS).then(() => ({ connected: true }))
  },
  close: () => ({ closed: true }) // the loop below stops reading and leaves
}

const answer = (value) => process.stdout.write(JSON.stringify(value) + '\n')

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let command
  try {
    command = JSON.parse(line)
    const operation = operations[command.op]
    if (!operation) throw new Error(`unknown op ${JSON.stringify(command.op)}`)
    answer(await operation(command))
  } catch (error) {
    answer({ error: error instanceof Error ? error.message : String(error) })
  }
  if (command?.op === 'close') break
}
// stdin closed or `close` answered: leave without waiting for the socket's closing handshake
provider.destroy()
process.stdout.write('', () => process.exit(0))
