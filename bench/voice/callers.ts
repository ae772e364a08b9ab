import WebSocket from 'ws';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_SMS_NUMBER,
  signTwilioRequest,
} from '../../test/fakes/twilio-api.ts';
import { serveRole } from './role.ts';
import { callerStamp, FRAME_MS, FRAME_REST, milliseconds, now, readStamp } from './stamp.ts';

export const PUBLIC_URL = 'https://gateway.bench';
const SOCKET_PATH = '/voice/stream/bench';
const PAYLOAD = '"payload":"';

interface Call {
  index: number;
  socket: WebSocket;
  sequence: number;
  streamSid: string;
}

/**
 * The simulated callers, in a process of their own. Each call is placed as Twilio places it
 * (signed incoming webhook, unless the target is the baseline relay, then the socket upgrade
 * with its signature, `connected`, `start` with the per-call value), then sends one 160-byte
 * μ-law `media` frame every 20 ms and echoes every mark, as Twilio does once audio has
 * played. Calls start at one of twenty 1 ms offsets of the 20 ms cycle, and each offset has
 * one timer for all its calls, so 200 calls run 20 timers, not 200. The outbound hop (model
 * → caller) is timed from the model's stamp.
 */
export function runCallers(): void {
  const calls: Call[] = [];
  const slots: Call[][] = Array.from({ length: FRAME_MS }, () => []);
  const timers: NodeJS.Timeout[] = [];
  let measuring = false;
  let sent = 0;
  let outbound: number[] = [];

  function tick(slot: Call[]): void {
    for (const call of slot) {
      call.sequence += 1;
      if (measuring) sent += 1;
      const { sequence, streamSid } = call;
      // Twilio's media frame, field for field.
      call.socket.send(
        `{"event":"media","sequenceNumber":"${sequence + 1}","streamSid":"${streamSid}","media":{"track":"inbound","chunk":"${sequence}","timestamp":"${sequence * FRAME_MS}","payload":"${callerStamp(call.index, sequence)}${FRAME_REST}"}}`,
      );
    }
  }

  for (const [offset, slot] of slots.entries()) {
    const start = setTimeout(() => timers.push(setInterval(() => tick(slot), FRAME_MS)), offset);
    timers.push(start);
  }

  async function place(port: number, index: number, webhook: boolean): Promise<void> {
    const callSid = `CA${index.toString(16).padStart(32, '0')}`;
    let token = 'baseline';
    if (webhook) {
      const form = new URLSearchParams({
        AccountSid: FAKE_ACCOUNT_SID,
        CallSid: callSid,
        From: '+15550000001',
        To: FAKE_SMS_NUMBER,
      }).toString();
      const answer = await fetch(`http://127.0.0.1:${port}/voice/incoming/bench`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioRequest(
            FAKE_AUTH_TOKEN,
            `${PUBLIC_URL}/voice/incoming/bench`,
            form,
          ),
        },
        body: form,
      });
      const twiml = await answer.text();
      const found = /name="callToken" value="([^"]+)"/.exec(twiml)?.[1];
      if (!found) throw new Error(`no call value in ${twiml}`);
      token = found;
    }
    const socket = new WebSocket(`ws://127.0.0.1:${port}${SOCKET_PATH}`, {
      perMessageDeflate: false,
      headers: {
        'x-twilio-signature': signTwilioRequest(FAKE_AUTH_TOKEN, `wss://gateway.bench${SOCKET_PATH}`, ''),
      },
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const streamSid = `MZ${index.toString(16).padStart(32, '0')}`;
    socket.on('message', (data) => {
      const text = String(data);
      const at = text.indexOf(PAYLOAD);
      if (at !== -1) {
        const { modelAt } = readStamp(text.slice(at + PAYLOAD.length));
        if (measuring) outbound.push(milliseconds(modelAt, now()));
      } else if (text.includes('"event":"mark"')) {
        // The gateway's mark is Twilio's echo of it, word for word.
        socket.send(text);
      }
    });
    socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    socket.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid,
        start: {
          accountSid: FAKE_ACCOUNT_SID,
          streamSid,
          callSid,
          tracks: ['inbound'],
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
          customParameters: { callToken: token },
        },
      }),
    );
    const call: Call = { index, socket, sequence: 0, streamSid };
    calls.push(call);
    slots[index % FRAME_MS]!.push(call);
  }

  serveRole(
    {},
    async (message) => {
      if (message.type === 'place') {
        while (calls.length < Number(message.calls)) {
          await place(Number(message.port), calls.length + 1, message.webhook === true);
        }
        return { placed: calls.length };
      }
      if (message.type === 'measure') {
        measuring = message.on === true;
        if (measuring) {
          outbound = [];
          sent = 0;
        }
        return { outbound: measuring ? [] : outbound, sent };
      }
      return {};
    },
    async () => {
      for (const timer of timers) clearInterval(timer);
      for (const call of calls) call.socket.close();
    },
  );
}
