// sipp (Debian sip-tester) as the other end of the controller's SIP calls,
// for the integration and browser tests: the SDP a site offers or answers
// with, the scenarios of a site that calls in (SCENARIOS) or that answers
// the controller's calls (uasScenario), and running one sipp bounded in time.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import path from 'node:path';
import { freePort, reapOnExit } from './server.mjs';

export const KEY = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e'; // 30 bytes, base64: an SDES inline key

/** A TCP port whose UDP twin is free too (SIP listens on both). */
export async function freeSipPort() {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    const ok = await new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  throw new Error('no free SIP port');
}

export const sdp = (secure) => [
  'v=0',
  'o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]',
  's=-',
  'c=IN IP[media_ip_type] [media_ip]',
  't=0 0',
  `m=audio [media_port] RTP/${secure ? 'SAVP' : 'AVP'} 8 0`,
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  ...(secure ? [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`] : []),
  `m=video [media_port+2] RTP/${secure ? 'SAVP' : 'AVP'} 97`,
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42e01e;packetization-mode=1',
  'a=rtcp-fb:97 nack pli',
  ...(secure ? [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`] : []),
].join('\n');

const from = (user) => `From: <sip:${user}@[local_ip]>;tag=[pid]SIPpTag[call_number]`;

function invite(conf, user, cseq, { auth = false, secure = false } = {}) {
  return `<send retrans="500"><![CDATA[
INVITE sip:${conf}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from(user)}
To: <sip:${conf}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
${auth ? '[authentication]\n' : ''}Content-Type: application/sdp
Content-Length: [len]

${sdp(secure)}
]]></send>`;
}

/** The ACK of a final error response (same branch as the INVITE). */
const ackError = (conf, user, cseq) => `<send><![CDATA[
ACK sip:${conf}@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
${from(user)}
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0
]]></send>`;

/** The ACK of a 200, to its Contact. */
const ack200 = (user, cseq) => `<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from(user)}
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Length: 0
]]></send>`;

const bye = (user, cseq) => `<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from(user)}
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
<recv response="200" crlf="true"/>`;

/** A challenge first (401), then the INVITE again with the digest. */
const challenged = (conf, user, opts) => `${invite(conf, user, 1, opts)}
<recv response="100" optional="true"/>
<recv response="401" auth="true"/>
${ackError(conf, user, 1)}
${invite(conf, user, 2, { ...opts, auth: true })}
<recv response="100" optional="true"/>`;

/** The answer's checks on the 200: its m-lines (and a=crypto when secure). */
const answered = (secure) => `<recv response="180" optional="true"/>
<recv response="200" rrs="true">
  <action>
    <ereg regexp="m=audio [0-9]+ RTP/${secure ? 'SAVP' : 'AVP'} 8" search_in="body" check_it="true" assign_to="1"/>
    <ereg regexp="m=video [0-9]+ RTP/${secure ? 'SAVP' : 'AVP'} 97" search_in="body" check_it="true" assign_to="2"/>
    ${secure ? '<ereg regexp="a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}" search_in="body" check_it="true" assign_to="3"/>' : ''}
  </action>
</recv>
<Reference variables="1,2${secure ? ',3' : ''}"/>`;

export const SCENARIOS = {
  register: (user, expect = 200, expires = 300) => `<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${user}@[remote_ip]>;tag=[pid]reg[call_number]
To: <sip:${user}@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:${user}@[local_ip]:[local_port]>
Expires: ${expires}
Max-Forwards: 70
Content-Length: 0
]]></send>
<recv response="401" auth="true"/>
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${user}@[remote_ip]>;tag=[pid]reg[call_number]
To: <sip:${user}@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:${user}@[local_ip]:[local_port]>
Expires: ${expires}
[authentication]
Max-Forwards: 70
Content-Length: 0
]]></send>
<recv response="${expect}"/>`,
  // A call by digest: 200, ACK, a pause while the test reads the records, BYE.
  call: (conf, user, secure, pauseMs) => `${challenged(conf, user, { secure })}
${answered(secure)}
${ack200(user, 2)}
<pause milliseconds="${pauseMs}"/>
${bye(user, 3)}`,
  // A call without credentials (a registered or address-matched site).
  callPlain: (conf, user, pauseMs) => `${invite(conf, user, 1)}
<recv response="100" optional="true"/>
${answered(false)}
${ack200(user, 1)}
<pause milliseconds="${pauseMs}"/>
${bye(user, 2)}`,
  // A call the controller ends: the client answers its BYE.
  hungUp: (conf, user, secure = false) => `${challenged(conf, user, { secure })}
${answered(secure)}
${ack200(user, 2)}
<recv request="BYE" timeout="20000"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>`,
  // Refused after the digest, with @code.
  refusedDigest: (conf, user, code, secure) => `${challenged(conf, user, { secure })}
<recv response="${code}"/>
${ackError(conf, user, 2)}`,
  // Refused without a challenge, with @code.
  refused: (conf, user, code) => `${invite(conf, user, 1)}
<recv response="100" optional="true"/>
<recv response="${code}"/>
${ackError(conf, user, 1)}`,
};

/** A site that answers @calls of the controller's INVITEs (180, 200 with
 *  @secure SDP) and then waits for the controller's BYE, which it answers.
 *  sipp's own variables: -m @calls, one call after another. */
export const uasScenario = (user, { secure = false } = {}) => `<recv request="INVITE" rrs="true" crlf="true"/>
<send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
Content-Length: 0
]]></send>
<send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

${sdp(secure)}
]]></send>
<recv request="ACK" crlf="true"/>
<recv request="BYE" timeout="60000"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>`;

/**
 * Runs sipp with the scenario @xml (written to @dir/@name.xml), bounded by
 * @timeoutS. @target: the controller's "ip:port" for a client, null for a
 * server (UAS) listening on @port; @extra: more sipp arguments (an injection
 * file, a rate). Returns {proc, done}; done resolves
 * {code, out, errors} when sipp exits.
 */
export async function runSipp(dir, name, xml, { target = null, port, calls = 1, user, password, ip = '127.0.0.1', timeoutS = 30, extra = [] } = {}) {
  const file = path.join(dir, `${name}.xml`);
  await fs.writeFile(file, `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n${xml}\n</scenario>\n`);
  const errors = path.join(dir, `${name}.errors.log`);
  const args = ['-sf', file, ...(target ? [target] : []), '-i', ip, '-p', String(port), '-mp', String(port + 2),
    '-m', String(calls), '-nostdin', '-timeout', `${timeoutS}s`, '-timeout_error', '-trace_err', '-error_file', errors];
  if (user) args.push('-au', user, '-ap', password);
  args.push(...extra);
  const proc = reapOnExit(spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  const keep = (d) => { out += d; if (out.length > 100_000) out = out.slice(-50_000); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const done = new Promise((resolve) => proc.on('exit', async (code) => {
    const err = await fs.readFile(errors, 'utf8').catch(() => '');
    resolve({ code, out: out.slice(-3000), errors: err.slice(-3000) });
  }));
  return { proc, done };
}
