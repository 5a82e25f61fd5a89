/**
 * A live router over WebSocket, with the `ws` package used directly: each
 * connection is a real socket, frames are whatever the fuzzer encodes
 * (including bytes that are not UTF-8, sent as a text frame).
 */

import { WebSocket } from 'ws';
import type { Frame, Serializer } from '@wamp/core';
import type { ConnectionSink, Driver, DriverConnection } from '../driver.js';

/** Options of the WebSocket driver. */
export interface WebSocketDriverOptions {
  readonly url: string;
  readonly serializer: Serializer;
  /** How long a connection may take to open. Default 3000 ms. */
  readonly connectTimeoutMs?: number;
}

export class WebSocketDriver implements Driver {
  readonly synchronous = false;
  readonly name: string;
  readonly serializer: Serializer;
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly opts: WebSocketDriverOptions) {
    this.name = opts.url;
    this.serializer = opts.serializer;
  }

  connect(sink: ConnectionSink): Promise<DriverConnection> {
    const { url, serializer } = this.opts;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, [serializer.subprotocol], { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
      this.sockets.add(ws);
      let opened = false;
      const timer = setTimeout(() => {
        if (!opened) {
          ws.terminate();
          reject(new Error(`no WebSocket connection to ${url} within ${this.opts.connectTimeoutMs ?? 3000} ms`));
        }
      }, this.opts.connectTimeoutMs ?? 3000);
      ws.binaryType = 'nodebuffer';
      ws.on('open', () => {
        opened = true;
        clearTimeout(timer);
        if (ws.protocol !== serializer.subprotocol) {
          sink.transportViolation(`the router chose WebSocket subprotocol "${ws.protocol}" for a request of "${serializer.subprotocol}"`);
        }
        resolve({
          send: (frame: Frame) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(frame, { binary: typeof frame !== 'string' });
          },
          sendBytes: (bytes: Uint8Array) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: serializer.binary });
          },
          close: () => {
            // Abrupt on purpose: a lost transport, as the model's `disconnect` means.
            ws.terminate();
          },
        });
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary !== serializer.binary) {
          sink.transportViolation(`the router sent a ${isBinary ? 'binary' : 'text'} frame on ${serializer.subprotocol}`);
        }
        sink.frame(isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data.toString('utf8'));
      });
      ws.on('close', (code: number, reason: Buffer) => {
        this.sockets.delete(ws);
        clearTimeout(timer);
        if (!opened) reject(new Error(`WebSocket to ${url} closed before opening (code ${code})`));
        else sink.closed({ code, reason: reason.toString('utf8') });
      });
      ws.on('error', (e: Error) => {
        if (!opened) {
          clearTimeout(timer);
          reject(e);
        }
      });
    });
  }

  flush(): void {}

  async dispose(): Promise<void> {
    const closing = [...this.sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.terminate();
        }),
    );
    await Promise.all(closing);
    this.sockets.clear();
  }
}
