// sipp (Debian sip-tester) as the other end of the controller's SIP calls,
// for the integration and browser tests: the SDP a site offers or answers
// with, the scenarios of a site that calls in (SCENARIOS) or that answers
// the controller's calls (uasScenario), and running one sipp bounded in time.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import path from 'node:path';
import { freePort, reapOnExit } from './server.mjs';
import { freeUdpPorts } from './media.mjs';

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

/** A site's offer within a call (or its answer): audio @audio ("8 0": PCMA,
 *  PCMU) on [media_port+@shift], video H.264; @direction on both m-lines;
 *  @nullAddress: c=0.0.0.0 (the old hold); @crypto: a=crypto on @proto. */
export const offer = ({ audio = '8 0', shift = 0, direction = 'sendrecv', nullAddress = false, crypto = false,
  proto = 'RTP/AVP', version = 2353687638 } = {}) => [
  'v=0',
  `o=user1 53655765 ${version} IN IP[local_ip_type] [local_ip]`,
  's=-',
  nullAddress ? 'c=IN IP4 0.0.0.0' : 'c=IN IP[media_ip_type] [media_ip]',
  't=0 0',
  `m=audio [media_port+${shift}] ${proto} ${audio}`,
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  ...(crypto ? [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`] : []),
  `a=${direction}`,
  `m=video [media_port+${shift + 2}] ${proto} 97`,
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42e01e;packetization-mode=1',
  ...(crypto ? [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`] : []),
  `a=${direction}`,
].join('\n');

/** A response to the request just received: its Via, From, To, Call-ID and
 *  CSeq, with our To tag (@tag: the responses to an INVITE), a Contact of
 *  @user, more @headers, and @body as SDP (else no body). */
export const reply = (status, { user = null, tag = false, headers = [], body = null, retrans = false } = {}) => [
  `<send${retrans ? ' retrans="500"' : ''}><![CDATA[`, `SIP/2.0 ${status}`, '[last_Via:]', '[last_From:]',
  `[last_To:]${tag ? ';tag=[pid]SIPpTag01[call_number]' : ''}`, '[last_Call-ID:]', '[last_CSeq:]',
  ...(user ? [`Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>`] : []), ...headers,
  ...(body ? ['Content-Type: application/sdp', 'Content-Length: [len]', '', body] : ['Content-Length: 0']),
  ']]></send>'].join('\n');

/** The digest keyword with one user's credentials from sipp's injection
 *  file (-inf: "user;password" a line, one line a call): sipp 3.6.1 takes
 *  username= and password= as messages of their own, so [field0] is
 *  replaced in them, but it ends the keyword at its first "]" unless that
 *  is quoted (src/message.cpp, quoted_strchr): the quotes are what works.
 *  Unquoted, [authentication username=[field0] ...] is cut at "[field0". */
export const FIELD_AUTH = '[authentication username="[field0]" password="[field1]"]';

const from = (user) => `From: <sip:${user}@[local_ip]>;tag=[pid]SIPpTag[call_number]`;

function invite(conf, user, cseq, { auth = false, secure = false, headers = '', authKeyword = '[authentication]', rtd = false } = {}) {
  return `<send retrans="500"${rtd ? ' start_rtd="1"' : ''}><![CDATA[
INVITE sip:${conf}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from(user)}
To: <sip:${conf}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
${headers ? `${headers}\n` : ''}${auth ? `${authKeyword}\n` : ''}Content-Type: application/sdp
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

/** A request within the call (re-INVITE, UPDATE, INFO) with @body of @type (none: offerless). */
const inDialog = (method, user, cseq, body = null, headers = '', type = 'application/sdp') => `<send retrans="500"><![CDATA[
${method} [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from(user)}
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
${headers ? `${headers}\n` : ''}${body ? `Content-Type: ${type}\n` : ''}Content-Length: [len]
${body ? `\n${body}` : ''}
]]></send>`;

/** RFC 5168's picture_fast_update, as a room system writes it. */
export const FAST_UPDATE = `<?xml version="1.0" encoding="utf-8" ?>
<media_control>
  <vc_primitive>
    <to_encoder>
      <picture_fast_update/>
    </to_encoder>
  </vc_primitive>
</media_control>`;

/** The ACK of a 200 to a re-INVITE, carrying @body (the answer to the 200's offer). */
const ackBody = (user, cseq, body) => `<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from(user)}
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${body}
]]></send>`;

/** The ACK of an error response to a re-INVITE (its Via, its Request-URI). */
const ackErrorInDialog = (user, cseq) => `<send><![CDATA[
ACK [next_url] SIP/2.0
[last_Via:]
${from(user)}
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0
]]></send>`;

/** A 200 whose body matches every regexp of @checks. */
const okWith = (checks) => `<recv response="200">
  <action>
${checks.map((re, i) => `    <ereg regexp="${re}" search_in="body" check_it="true" assign_to="c${i}"/>`).join('\n')}
  </action>
</recv>
<Reference variables="${checks.map((_, i) => `c${i}`).join(',')}"/>`;

/** A challenge first (401), then the INVITE again with the digest. */
const challenged = (conf, user, opts) => `${invite(conf, user, 1, opts)}
<recv response="100" optional="true"/>
<recv response="401" auth="true"/>
${ackError(conf, user, 1)}
${invite(conf, user, 2, { ...opts, auth: true, rtd: false })}
<recv response="100" optional="true"/>`;

/** The answer's checks on the 200: its m-lines (and a=crypto when secure). */
const answered = (secure, rtd = false) => `<recv response="180" optional="true"/>
<recv response="200" rrs="true"${rtd ? ' rtd="1"' : ''}>
  <action>
    <ereg regexp="m=audio [0-9]+ RTP/${secure ? 'SAVP' : 'AVP'} 8" search_in="body" check_it="true" assign_to="1"/>
    <ereg regexp="m=video [0-9]+ RTP/${secure ? 'SAVP' : 'AVP'} 97" search_in="body" check_it="true" assign_to="2"/>
    ${secure ? '<ereg regexp="a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}" search_in="body" check_it="true" assign_to="3"/>' : ''}
  </action>
</recv>
<Reference variables="1,2${secure ? ',3' : ''}"/>`;

/** An INFO outside any dialog (@toTag: as if within one the controller
 *  does not know; the call's Call-ID, once it ended), answered 481. */
const infoOutside = (conf, user, cseq, toTag) => `<send retrans="500"><![CDATA[
INFO sip:${conf}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${from(user)}
To: <sip:${conf}@[remote_ip]:[remote_port]>${toTag ? ';tag=no-such-dialog' : ''}
Call-ID: [call_id]
CSeq: ${cseq} INFO
Max-Forwards: 70
Content-Type: application/media_control+xml
Content-Length: [len]

${FAST_UPDATE}
]]></send>
<recv response="481"/>`;

/** Actions of a response with @code: the call fails unless the injection
 *  file's third field is @code (actions of a <nop> cannot fail a call). */
const expectLine = (code) => `  <action>
    <assignstr assign_to="got" value="${code}"/>
    <assignstr assign_to="want" value="[field2]"/>
    <strcmp variable="got" variable2="want" check_it="true"/>
  </action>`;

/** A REGISTER of @user, its 401, and the REGISTER again with @authKeyword;
 *  @rtd: the first REGISTER starts sipp's response time 1. */
const registerPair = (user, expires, authKeyword, rtd = false) => [1, 2].map((cseq) => `<send retrans="500"${rtd && cseq === 1 ? ' start_rtd="1"' : ''}><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${user}@[remote_ip]>;tag=[pid]reg[call_number]
To: <sip:${user}@[remote_ip]>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: <sip:${user}@[local_ip]:[local_port]>
Expires: ${expires}
${cseq === 2 ? `${authKeyword}\n` : ''}Max-Forwards: 70
Content-Length: 0
]]></send>${cseq === 1 ? '\n<recv response="401" auth="true"/>' : ''}`).join('\n');

export const SCENARIOS = {
  // A call by digest that sends INFO within it: picture_fast_update (200),
  // the digits * then 1 as dtmf-relay (200 each), one as application/dtmf
  // (200), a text/plain body (415 naming what it takes), an empty INFO (a
  // keep-alive: 200); a pause of @stepMs while the test reads the record;
  // BYE. Then INFOs outside any call: 481.
  info: (conf, user, stepMs) => `${challenged(conf, user, {})}
${answered(false)}
${ack200(user, 2)}
${inDialog('INFO', user, 3, FAST_UPDATE, '', 'application/media_control+xml')}
<recv response="200"/>
${inDialog('INFO', user, 4, 'Signal=*\nDuration=160', '', 'application/dtmf-relay')}
<recv response="200"/>
${inDialog('INFO', user, 5, 'Signal=1\nDuration=160', '', 'application/dtmf-relay')}
<recv response="200"/>
<pause milliseconds="${stepMs}"/>
${inDialog('INFO', user, 6, '#', '', 'application/dtmf')}
<recv response="200"/>
${inDialog('INFO', user, 7, 'press one for the floor', '', 'text/plain')}
<recv response="415">
  <action>
    <ereg regexp="application/media_control[+]xml, application/dtmf-relay, application/dtmf" search_in="hdr" header="Accept:" check_it="true" assign_to="accept"/>
  </action>
</recv>
<Reference variables="accept"/>
${inDialog('INFO', user, 8)}
<recv response="200"/>
<pause milliseconds="${stepMs}"/>
${bye(user, 9)}
${infoOutside(conf, user, 10, true)}
${infoOutside(conf, user, 11, false)}`,
  // A call by digest that sends @n INFO picture_fast_update one after
  // another (a loop: CSeq from sipp's own [cseq], -base_cseq 10), each
  // answered 200 or (past the source's rate) 503; then BYE.
  infoFlood: (conf, user, n) => `${challenged(conf, user, {})}
${answered(false)}
${ack200(user, 2)}
<nop hide="true"><action><assign assign_to="left" value="${n}"/></action></nop>
<label id="flood"/>
${inDialog('INFO', user, '[cseq]', FAST_UPDATE, '', 'application/media_control+xml')}
<recv response="200" optional="true" next="answered"/>
<recv response="503"/>
<label id="answered"/>
<nop hide="true">
  <action>
    <add assign_to="left" value="-1"/>
    <test assign_to="more" variable="left" compare="greater_than" value="0"/>
  </action>
</nop>
<nop hide="true" test="more" next="flood"/>
${bye(user, '[cseq]')}`,
  // A call by digest that changes within: a re-INVITE to PCMU on other
  // ports, hold (a=sendonly) by re-INVITE, resume by UPDATE, an UPDATE that
  // only refreshes, an offerless re-INVITE answered in the ACK, then BYE.
  // Each step waits @stepMs so the test can read the record between them.
  reoffers: (conf, user, stepMs) => `${challenged(conf, user, {})}
${answered(false)}
${ack200(user, 2)}
<pause milliseconds="${stepMs}"/>
${inDialog('INVITE', user, 3, offer({ audio: '0', shift: 4, version: 2353687639 }))}
<recv response="100" optional="true"/>
${okWith(['m=audio [0-9]+ RTP/AVP 0\\r?\\n', 'a=sendrecv'])}
${ack200(user, 3)}
<pause milliseconds="${stepMs}"/>
${inDialog('INVITE', user, 4, offer({ audio: '0', shift: 4, direction: 'sendonly', version: 2353687640 }))}
<recv response="100" optional="true"/>
${okWith(['a=recvonly'])}
${ack200(user, 4)}
<pause milliseconds="${stepMs}"/>
${inDialog('UPDATE', user, 5, offer({ audio: '0', shift: 4, version: 2353687641 }))}
${okWith(['a=sendrecv'])}
<pause milliseconds="${stepMs}"/>
${inDialog('UPDATE', user, 6)}
<recv response="200"/>
${inDialog('INVITE', user, 7)}
<recv response="100" optional="true"/>
${okWith(['m=audio [0-9]+ RTP/AVP 0', 'o=roomctl [0-9]+ 4 IN IP4'])}
${ackBody(user, 7, offer({ audio: '0', shift: 4, version: 2353687642 }))}
<pause milliseconds="${stepMs}"/>
${bye(user, 8)}`,
  // A call that asks the controller to refresh its session timer
  // (refresher=uas) and has no UPDATE: the controller's refresh is an
  // offerless re-INVITE, answered with a new offer (PCMU on other ports),
  // whose answer must come in the controller's ACK; then the controller's BYE.
  refreshedByUs: (conf, user, seconds) => `${challenged(conf, user, { headers: `Supported: timer\nSession-Expires: ${seconds};refresher=uas` })}
<recv response="180" optional="true"/>
<recv response="200" rrs="true">
  <action>
    <ereg regexp="${seconds};refresher=uas" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="se"/>
  </action>
</recv>
${ack200(user, 2)}
<recv request="INVITE" timeout="${seconds * 1000}" crlf="true">
  <action>
    <ereg regexp="^ *0" search_in="hdr" header="Content-Length:" check_it="true" assign_to="offerless"/>
  </action>
</recv>
${reply('200 OK', { user: user, headers: ['Supported: timer'], body: offer({ audio: '0', shift: 4, version: 2353687639 }), retrans: true })}
<recv request="ACK" crlf="true">
  <action>
    <ereg regexp="m=audio [0-9]+ RTP/AVP 0" search_in="body" check_it="true" assign_to="answer"/>
  </action>
</recv>
<Reference variables="se,offerless,answer"/>
<recv request="BYE" timeout="${seconds * 2000}"/>
${reply('200 OK')}`,
  // An SRTP call by digest whose re-offer drops SRTP: 488, and the call goes on until its BYE.
  refusedReoffer: (conf, user, stepMs) => `${challenged(conf, user, { secure: true })}
${answered(true)}
${ack200(user, 2)}
<pause milliseconds="${stepMs}"/>
${inDialog('INVITE', user, 3, offer({ audio: '0', shift: 4 }))}
<recv response="100" optional="true"/>
<recv response="488"/>
${ackErrorInDialog(user, 3)}
<pause milliseconds="${stepMs}"/>
${bye(user, 4)}`,
  // A call that asks for a session timer of @seconds, refreshed by the site
  // (refresher=uac): it refreshes by UPDATE @refreshes times every
  // @seconds/2 and hangs up; with @refreshes 0 it never does, and the
  // controller's BYE (the timer) is answered.
  timer: (conf, user, seconds, refreshes) => `${challenged(conf, user, { headers: `Supported: timer\nSession-Expires: ${seconds};refresher=uac` })}
<recv response="180" optional="true"/>
<recv response="200" rrs="true">
  <action>
    <ereg regexp="${seconds};refresher=uac" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="se"/>
  </action>
</recv>
<Reference variables="se"/>
${ack200(user, 2)}
${Array.from({ length: refreshes }, (_, i) => `<pause milliseconds="${seconds * 500}"/>
${inDialog('UPDATE', user, 3 + i, null, `Supported: timer\nSession-Expires: ${seconds};refresher=uac`)}
<recv response="200"/>`).join('\n')}
${refreshes ? bye(user, 3 + refreshes) : `<recv request="BYE" timeout="${seconds * 3000}"/>
${reply('200 OK')}`}`,
  register: (user, expect = 200, expires = 300, authKeyword = '[authentication]') => `${registerPair(user, expires, authKeyword)}
<recv response="${expect}"/>`,
  // One site a line of the injection file ("user;password;expected"): a
  // REGISTER, its 401, the REGISTER again with that line's digest, and the
  // answer must be the line's expected code (200 or 403), else the call fails.
  // @rtd: sipp's response time 1 is the first REGISTER → the 200 (-trace_rtt).
  registerEach: (expires = 300, rtd = false) => `${registerPair('[field0]', expires, FIELD_AUTH, rtd)}
<recv response="200" optional="true" next="answered"${rtd ? ' rtd="1"' : ''}>
${expectLine('200')}
</recv>
<recv response="403">
${expectLine('403')}
</recv>
<label id="answered"/>`,
  // A call by digest: 200, ACK, a pause while the test reads the records,
  // BYE. @authKeyword: FIELD_AUTH for the credentials of an injection file;
  // @rtd: sipp's response time 1 is the first INVITE → the 200 (-trace_rtt).
  call: (conf, user, secure, pauseMs, { authKeyword, rtd = false } = {}) => `${challenged(conf, user, { secure, authKeyword, rtd })}
${answered(secure, rtd)}
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
${reply('200 OK')}`,
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
 *  @secure SDP, or @body) and then waits for the controller's BYE, which it
 *  answers. @checks: [header ("Session-Expires:") or "body", regexp] the
 *  INVITE must match; @info: the same for an INFO that must come before
 *  the BYE (answered 200).
 *  sipp's own variables: -m @calls, one call after another. */
const expect = (checks, prefix) => `  <action>
${checks.map(([where, re], i) => `    <ereg regexp="${re}" search_in="${where === 'body' ? 'body' : 'hdr'}"${where === 'body' ? '' : ` header="${where}"`} check_it="true" assign_to="${prefix}${i}"/>`).join('\n')}
  </action>`;
const infoExpected = (checks) => `<recv request="INFO" timeout="30000" crlf="true">
${expect(checks, 'i')}
</recv>
<Reference variables="${checks.map((_, i) => `i${i}`).join(',')}"/>
${reply('200 OK')}`;
export const uasScenario = (user, { secure = false, body = sdp(secure), checks = [], info = null } = {}) => `<recv request="INVITE" rrs="true" crlf="true">
  <action>
${checks.map(([where, re], i) => `    <ereg regexp="${re}" search_in="${where === 'body' ? 'body' : 'hdr'}"${where === 'body' ? '' : ` header="${where}"`} check_it="true" assign_to="k${i}"/>`).join('\n')}
  </action>
</recv>
${checks.length ? `<Reference variables="${checks.map((_, i) => `k${i}`).join(',')}"/>` : ''}
${reply('180 Ringing', { user: user, tag: true })}
${reply('200 OK', { user: user, tag: true, body: body, retrans: true })}
<recv request="ACK" crlf="true"/>
${info ? infoExpected(info) : ''}
<recv request="BYE" timeout="60000"/>
${reply('200 OK')}`;

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
  // Its media sockets (-mp: audio RTP and RTCP, video at +2 and +3) get free ports of their own: port + 2
  // upwards need not be free just because port is.
  const mediaPort = await freeUdpPorts(6);
  const args = ['-sf', file, ...(target ? [target] : []), '-i', ip, '-p', String(port), '-mp', String(mediaPort),
    '-m', String(calls), '-nostdin', '-timeout', `${timeoutS}s`, '-timeout_error', '-trace_err', '-error_file', errors];
  if (user) args.push('-au', user, '-ap', password);
  args.push(...extra);
  // cwd: where sipp writes its -trace_rtt and -trace_stat files.
  const proc = reapOnExit(spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  const keep = (d) => { out += d; if (out.length > 100_000) out = out.slice(-50_000); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const done = new Promise((resolve) => proc.on('exit', async (code) => {
    const err = await fs.readFile(errors, 'utf8').catch(() => '');
    resolve({ code, out: out.slice(-3000), errors: err.slice(-3000) });
  }));
  // A UAS must listen before it is called: a call to a port nobody has bound
  // yet ends at once (ICMP unreachable, 503), which a loaded host shows.
  if (!target) await udpBound(port, proc);
  return { proc, done };
}

/** Resolves once UDP @port is bound on this host (/proc/net/udp), or @proc exited, or after 10 s. */
async function udpBound(port, proc) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const until = Date.now() + 10_000;
  while (Date.now() < until && proc.exitCode === null) {
    const table = await fs.readFile('/proc/net/udp', 'utf8').catch(() => '');
    if (table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex.trim()))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
