/**
 * The example app: join a realm over WebSocket from the browser, call
 * `com.example.add2` when the form is sent, and list the events published on
 * `com.example.tick` as they arrive.
 *
 * The page takes the router and realm from its query string
 * (`?router=ws://127.0.0.1:8080/ws&realm=realm1`); the defaults suit
 * `pnpm --filter @wamp/example-browser start`.
 */

import { WampError, type Session } from '@wamp/client';
import { jsonSerializer } from '@wamp/core';
import { connect } from '@wamp/ws';

function element<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`#${id} is missing from the page`);
  return e as T;
}

const params = new URLSearchParams(location.search);
const routerUrl = params.get('router') ?? `ws://${location.hostname || '127.0.0.1'}:8080/ws`;
const realm = params.get('realm') ?? 'realm1';

const status = element<HTMLSpanElement>('status');
const form = element<HTMLFormElement>('add');
const button = element<HTMLButtonElement>('call');
const result = element<HTMLOutputElement>('result');
const error = element<HTMLParagraphElement>('error');
const events = element<HTMLOListElement>('events');
element('router').textContent = routerUrl;
element('realm').textContent = realm;

function setStatus(state: 'connecting' | 'open' | 'closed', text: string): void {
  status.dataset['state'] = state;
  status.textContent = text;
}

function describe(e: unknown): string {
  if (e instanceof WampError) return `${e.uri}${e.args.length > 0 ? `: ${e.args.map(String).join(' ')}` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

async function start(): Promise<Session> {
  // JSON only (also the default): the smallest bundle, and readable frames in
  // the browser's devtools. MessagePack or CBOR would be imported and passed
  // here (`serializers: [msgpackSerializer, jsonSerializer]`).
  const session = await connect({ url: routerUrl, realm, serializers: [jsonSerializer] });
  setStatus('open', `joined as session ${session.id}`);
  void session.closed.then((info) => {
    setStatus('closed', `closed: ${info.reason}`);
    button.disabled = true;
  });

  await session.subscribe('com.example.tick', (args, kwargs) => {
    const li = document.createElement('li');
    li.textContent = `tick ${String(args[0])}${kwargs['at'] === undefined ? '' : ` at ${String(kwargs['at'])}`}`;
    events.append(li);
    li.scrollIntoView({ block: 'nearest' });
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = Number(element<HTMLInputElement>('a').value);
    const b = Number(element<HTMLInputElement>('b').value);
    error.textContent = '';
    result.value = '…';
    session.call<number>('com.example.add2', [a, b], {}, { timeout: 5_000 }).then(
      (r) => {
        result.value = String(r.value);
      },
      (e: unknown) => {
        result.value = '';
        error.textContent = describe(e);
      },
    );
  });
  button.disabled = false;
  return session;
}

start().catch((e: unknown) => {
  setStatus('closed', 'not connected');
  error.textContent = describe(e);
});
