// Shared between the files of spanmap's libpcap module (see module.c for what it does and why).
#ifndef SPANMAP_PCAP_LIVE_H
#define SPANMAP_PCAP_LIVE_H

#include <node_api.h>
#include <uv.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_HDR 16 /* [u32 ts_sec][u32 ts_usec][u32 caplen][u32 wirelen] before each packet's bytes */

typedef struct {
  const char *device;
  const char *filter;
  uint32_t snaplen;
  uint32_t buffer_size;
  uint32_t timeout_ms;
  bool promisc;
} live_opts_t;

typedef struct {
  napi_env env;
  pcap_t *pcap;
  uv_poll_t poll;
  int poll_open;    /* uv_poll_init done and uv_close not finished */
  int finalized;    /* the JS object was collected */
  int closing;      /* close() asked for while dispatching */
  int dispatching;
  napi_ref self;     /* strong while open: the object, its callbacks and buffer stay alive */
  napi_ref on_batch;
  napi_ref on_error;
  napi_ref buffer;   /* strong while open: C writes into its memory */
  napi_async_context async;
  uint8_t *buf;
  size_t buf_len;
  size_t used;
  uint32_t count;
  uint32_t snaplen;
  size_t rec_max;
  uint32_t last_recv, last_drop, last_ifdrop;
  uint64_t recv, drop, ifdrop, delivered;
  uint64_t stats_at;
} capture_t;

/* open.c: an activated, filtered, non-blocking capture, or NULL with `code` (EPERM, EPROMISC,
   ENODEV, ENETDOWN, EFILTER, EPCAP) and a message; `warning` gets a non-fatal note or "". */
pcap_t *live_open(const live_opts_t *o, const char **code, char *msg, size_t msg_len, char *warning, size_t warning_len);
/* open.c: NULL when `filter` compiles for this link type, else libpcap's complaint (in `msg`). */
const char *live_check_filter(const char *filter, int linktype, int snaplen, char *msg, size_t msg_len);

/* fanout.c: joins `p`'s socket to PACKET_FANOUT group *group (or, with `unique`, a new group whose
   id is written to *group) with the address-pair program; -1 with a message on failure. */
int capture_join_fanout(pcap_t *p, uint32_t *group, int unique, char *msg, size_t msg_len);

/* capture.c */
void capture_attach(capture_t *c, napi_value self, napi_value on_batch, napi_value on_error, napi_value buffer, int fd);
void capture_refresh_stats(capture_t *c);
void capture_close(capture_t *c);

#endif
