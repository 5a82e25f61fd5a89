// The same scenarios with this project's own client, @wamp/client, as the peer
// under test: the baseline the other peers are compared with, over WebSocket
// and RawSocket with every serializer.

import { peerSuite } from './support/scenarios.js';
import { SERIALIZERS } from './support/peers.js';

const caps = { calleeCanceling: true, discloseCaller: true, cancelMode: 'kill', echoesTwoTo53: true, excludeMeFalse: true, leaveReason: 'wamp.close.close_realm', goodbyeReply: 'wamp.close.goodbye_and_out' } as const;

for (const serializer of SERIALIZERS) {
  peerSuite({ library: 'wamp-client', transport: 'websocket', serializer }, caps);
  peerSuite({ library: 'wamp-client', transport: 'rawsocket', serializer }, caps);
}
