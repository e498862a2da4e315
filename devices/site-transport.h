/* site-transport — how one site's media reach the controller and how the
 * program reaches the site: the one interface every kind of link
 * implements, so that the media core knows none of them.
 *
 * What a transport says of its site (rc_site_format): per medium, the SSRC
 * the endpoint sends with (its own choice or negotiated; plain RTP uses the
 * hash of its code), the payload type it sends, and how it takes the
 * program: the SSRC and payload type of its egress. Where the program
 * reaches it: either a plain UDP address the media's shared fan-out sends
 * to (destination), or the transport's own send, which gets a copy of each
 * program packet already re-stamped with the site's egress SSRC and payload
 * type and protects and sends it (a crypto context, a DTLS/ICE path…).
 * Also: the keyframe request to the site (RTCP PLI, FIR, or a signalling
 * message), the link's state with connect and disconnect events, and what
 * the site sends that does not come through the shared ports (a pulled
 * camera's packets, fed to the ingest).
 *
 * The hot path keeps its shape: the shared ports and their demux by SSRC
 * stay the media's; a transport adds no thread per site (a pull has its
 * GStreamer source's), and plain RTP sites that take the program as it is
 * share one sendmmsg per packet.
 *
 * Adapters: "rtp" (site-rtp.c: the site sends to the shared ports and
 * receives at its address or where it sends from), "rtsp" and "srt"
 * (site-pull.c: the controller fetches an IP camera or an SRT stream),
 * "webrtc" (site-webrtc.c: a browser joins by WHIP, webrtc.h), "sip"
 * (site-sip.c: a room system's call, sip.h: its media on the shared ports
 * from its signalled addresses, SDES-SRTP both ways).
 * Made, used and freed on the main loop unless a member says otherwise. */
#pragma once
#include "base/ipv4-net.h"
#include "base/srtp-openssl.h"
#include "devices/audio-codec.h"

#include <gio/gio.h>

typedef struct rc_site_transport rc_site_transport;

/* One medium of a site. For audio also the codec each way: what the mixer
 * decodes when the site talks, and which of the program's encodings it
 * takes (a SIP site sets both, with its payload types, once negotiated). */
typedef struct {
  guint32 ssrc;     /* what the site sends with (0: not known yet) */
  int pt;           /* the payload type it sends */
  guint32 out_ssrc; /* the program's SSRC as the site takes it */
  int out_pt;       /* the program's payload type as the site takes it */
  rc_audio_codec codec, out_codec; /* audio: what it sends, what it takes (Opus unless negotiated) */
  int clock_rate;   /* audio: the RTP clock it sends with, 0 = the codec's */
  char *fmtp;       /* audio: its format parameters (SDP a=fmtp, "k=v;k=v"), or NULL; the transport's */
  gboolean sends;   /* audio: the codec is known (a pull learns it from the stream, a call from its SDP) */
  gboolean absent;  /* audio: the source has none (a camera without a microphone): its quiet is no fault */
  int tier;         /* video: the program tier it decodes (a SIP call's H.264 level), -1 = its level's */
} rc_site_stream_format;

typedef struct {
  rc_site_stream_format video, audio;
} rc_site_format;

/* The link: up (a pull plays; plain RTP is connectionless and always up),
 * or down and why; how often it changed. */
typedef struct {
  gboolean up;
  char *why;        /* the last reason it went down, or NULL */
  guint ups, downs;
  gboolean held;    /* up, but the site said it sends nothing (a SIP call on hold) */
} rc_site_link;

/* What the media gives a transport (borrowed; outlives it). */
typedef struct {
  gpointer media;
  /* A packet the site sent another way than the shared ports: into the
   * ingest as if received there. On a streaming thread. */
  void (*feed)(gpointer media, gboolean audio, const guint8 *rtp, gsize len);
  /* Sends @len bytes to @to from the shared port of @audio's medium (RTP)
   * or its RTCP port (@rtcp). Any thread. */
  void (*send)(gpointer media, gboolean audio, gboolean rtcp, const guint8 *data, gsize len, GSocketAddress *to);
  /* The link came up or went down (@why). Main loop. */
  void (*link)(gpointer media, gint64 site_id, gboolean up, const char *why);
  /* The site's audio format changed (a pull learned its stream's codec, a
   * call renegotiated): its ingest and its mixer input follow. Main loop;
   * may be NULL. */
  void (*format)(gpointer media, gint64 site_id);
  /* The site's @audio medium comes from @rtp_from and @rtcp_from (its
   * signalled 5-tuple) whatever its SSRC, through @t's receive; both NULL:
   * from nowhere (the call ended). With @latch (receive authenticates:
   * SRTP), until its first packet came, the first packet from elsewhere
   * that authenticates moves it there (a NAT; learned then, through the
   * transport's learned). A by_address transport binds when it knows, and
   * unbinds before it is freed. Main loop. */
  void (*bind)(gpointer media, gboolean audio, rc_site_transport *t, GSocketAddress *rtp_from,
               GSocketAddress *rtcp_from, gboolean latch);
  /* RTP like send's, queued on the calling thread and sent by flush (a
   * program packet to many sites in one system call). May be NULL: send. */
  void (*queue)(gpointer media, gboolean audio, const guint8 *data, gsize len, GSocketAddress *to);
  void (*flush)(gpointer media);
} rc_site_transport_host;

/* A site as a transport is made for it (strings borrowed for the call). */
typedef struct {
  gint64 id;
  const char *code;
  const char *transport; /* "rtp" (NULL too), "rtsp", "srt", "webrtc", "sip" */
  const char *address;   /* rtp: "HOST:PORT" where it receives video (audio at PORT+2), NULL/"" =
                          * where it sends from; rtsp/srt: what is pulled */
  const char *media_from; /* rtp: the IPv4 subnet it may send from, ""/NULL = its address's host (ipv4-net.h) */
  int video_pt, audio_pt; /* the payload types it sends (rtp; a pull's are the program's) */
  gboolean tcp_only;      /* rtsp: RTP interleaved in the TCP connection */
  const rc_srtp_key *srtp_key; /* rtp: its SRTP key or NULL; rc_site_rtp_set_key */
  gboolean srtp_refused;  /* rtp: it has a key that does not open */
  /* The program as the controller makes it: what a site takes unless its
   * transport negotiated otherwise. */
  guint32 program_video_ssrc, program_audio_ssrc;
  int program_video_pt, program_audio_pt;
} rc_site_transport_desc;

typedef struct {
  const char *kind;
  /* Where the shared fan-out sends the program's @audio medium, or NULL:
   * not known yet, no such path (a camera), or the transport sends it
   * itself (send). (transfer full) */
  GSocketAddress *(*destination)(rc_site_transport *t, gboolean audio);
  /* The ingest saw the site's @audio packets come from @from (main loop,
   * each tick): from an address it accepted them from (inside heard_from,
   * or a binding), never from a spoof. Whether that becomes where the
   * program goes is the transport's: a return address is never learned
   * from an unauthenticated packet of outside its configured place. */
  void (*learned)(rc_site_transport *t, gboolean audio, GSocketAddress *from);
  /* A program packet for this site alone: a writable copy carrying its
   * out_ssrc and out_pt. The transport protects and sends it. On the
   * thread that has the program. NULL: the shared fan-out sends.
   * The video fan-out and the audio mix's outputs (with mix-minus) call it. */
  void (*send)(rc_site_transport *t, gboolean audio, guint8 *rtp, gsize len);
  /* Asks the site for a video keyframe. */
  void (*request_keyframe)(rc_site_transport *t);
  void (*free)(rc_site_transport *t);
  /* Sends what @send queued on this thread (a batch for many sites), or
   * NULL: send sends at once. Call rc_site_transports_flush after a packet
   * went to all. */
  void (*flush)(rc_site_transport *t);
  /* Whether the site can take the program back (a camera or a pulled SRT
   * stream cannot: their transport has no way back). */
  gboolean receives_program;
  /* Its packets are taken only from the addresses it bound (host->bind),
   * and go through receive first; its SSRC from elsewhere is a spoof.
   * Otherwise its SSRC on the shared ports is taken only from inside its
   * heard_from (rc_site_transport), and what its transport feeds (a pull,
   * a WebRTC peer) needs no address. */
  gboolean by_address;
  /* A packet from a bound address, RTP or (@rtcp) RTCP: decrypts and
   * checks it in place (*@len shrinks by the SRTP tag), and may rewrite
   * its payload type to the site's; FALSE drops it (it did not
   * authenticate); TRUE with *@len 0: the transport took it, it is not
   * media (a keypad's telephone-event). On the ingest's thread, under its lock. */
  gboolean (*receive)(rc_site_transport *t, gboolean audio, gboolean rtcp, guint8 *data, gsize *len);
  /* Whether send is used now (a plain-RTP site sends its own only while
   * it has an SRTP key); NULL: whenever there is a send. Main loop. */
  gboolean (*own_send)(rc_site_transport *t);
  /* Whether the site's media are encrypted both ways now (plain RTP: it
   * has an SRTP key; SIP: SRTP on every medium; WebRTC: always; a pull:
   * never). NULL: never. Main loop. */
  gboolean (*encrypted)(rc_site_transport *t);
  /* A transport not by_address with a receive: each packet found by its
   * SSRC (RTP and RTCP) goes through receive before anything else (a
   * plain-RTP site with an SRTP key decrypts it there); FALSE drops it. */
} rc_site_transport_ops;

struct rc_site_transport {
  const rc_site_transport_ops *ops;
  gint64 site_id;
  char *code;
  rc_site_format format;
  rc_site_link link;
  const rc_site_transport_host *host;
  /* Where its packets may come from on the shared ports when they are
   * found by SSRC (not by_address): an IPv4 subnet. Plain RTP: its
   * media_from, else its address's host. Unset (every other kind, and a
   * plain site with neither): nowhere, every packet with its SSRC there is
   * a spoof. Main loop; the ingest takes a copy (rc_ingest_set_streams). */
  rc_ipv4_net heard_from;
};

/* The adapter for @desc->transport, or NULL (logged) when it cannot be
 * made (an unknown kind, a pull without a URL). (transfer full) */
rc_site_transport *rc_site_transport_new(const rc_site_transport_desc *desc, const rc_site_transport_host *host);
void rc_site_transport_free(rc_site_transport *t);

/* Whether the program reaches the site through the shared fan-out as it is
 * (the program's SSRC and payload type, no send of its own). */
gboolean rc_site_transport_shared(const rc_site_transport *t, gboolean audio, guint32 program_ssrc, int program_pt);

/* Whether the program reaches the site through its transport's send
 * (ops->send, and ops->own_send says so now). */
gboolean rc_site_transport_sends_itself(rc_site_transport *t);

/* Whether @t's media are encrypted both ways now (its ops' encrypted; FALSE without one). */
gboolean rc_site_transport_encrypted(rc_site_transport *t);

/* For plain RTP ("rtp"; anything else is left alone): its SRTP master key
 * (AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM, one key both ways) or NULL: plain
 * again. With @refused (a key it has that does not open) nothing it sends
 * is taken and nothing goes to it. A new key replaces the contexts at
 * once; an unchanged one keeps them (their rollover counters). Main loop. */
void rc_site_rtp_set_key(rc_site_transport *t, const rc_srtp_key *key, gboolean refused);

/* After a packet was handed to the sends of @members (rc_site_transport*):
 * each kind's queued packets go out. */
void rc_site_transports_flush(GPtrArray *members);

/* For the adapters: the site sends audio of @codec with payload type @pt,
 * RTP clock @clock_rate (0: the codec's) and format parameters @fmtp (or
 * NULL); the host is told (main loop): its ingest takes the payload type,
 * and the mixer decodes it by its codec when it talks. An adapter that
 * negotiates what the site takes sets format.audio.out_codec and out_pt
 * first (a SIP answer: both directions at once); the mixer places the site
 * on that codec's encoding of its mix (made at the first site taking it). */
void rc_site_transport_set_audio(rc_site_transport *t, rc_audio_codec codec, int pt, int clock_rate, const char *fmtp);

/* For the adapters: the source has no audio at all (its streams are all
 * known and none is audio); the host is told (main loop), and its health
 * alarms no silence. rc_site_transport_set_audio undoes it. */
void rc_site_transport_set_audio_absent(rc_site_transport *t);

/* For the adapters: sets the link's state and tells the host (main loop). */
void rc_site_transport_set_link(rc_site_transport *t, gboolean up, const char *why);
