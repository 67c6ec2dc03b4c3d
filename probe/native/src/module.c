// spanmap's live capture backend: libpcap behind a small N-API class.
//
// Why our own module rather than `cap` alone: `cap` calls JS once per packet, gives no packet
// timestamps and no pcap_stats, so it cannot say what the kernel dropped. This module
//   - opens a live capture with the probe's options (snaplen, promiscuous, kernel buffer, BPF);
//   - waits on pcap_get_selectable_fd with a libuv poll (no thread) and drains the ring with
//     non-blocking pcap_dispatch into one shared ArrayBuffer of records
//       [u32 ts_sec][u32 ts_usec][u32 caplen][u32 wirelen][caplen bytes, padded to 4]
//     in host byte order, calling JS once per batch;
//   - reports pcap_stats (received, kernel drops, interface drops) accumulated into 64-bit
//     totals, since libpcap's counters are 32-bit and wrap after 2^32 packets (8 h at 150 kpps).
//
// Files: module.c (this: the JS API), open.c (libpcap setup), capture.c (polling, batches, stats),
// fanout.c (splitting an interface between worker threads).
//
// JS API:  new LiveCapture({device, filter, snaplen, promisc, bufferSize, timeoutMs, batchBytes,
//                           fanoutGroup?, fanoutNew?},
//                          onBatch(count, bytes), onError(message))
//          .buffer (ArrayBuffer)  .linktype (DLT)  .warning (string|undefined)  .fanoutGroup (joined)
//          .stats() -> {received, dropped, ifDropped, delivered}   .close() -> stats
//          checkFilter(filter, linktype, snaplen) -> null | error message
// Open errors throw an Error whose `code` is EPERM, EPROMISC, ENODEV, ENETDOWN, EFILTER or EPCAP.

#include "pcap_live.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- options ---------- */

static int get_prop(napi_env env, napi_value obj, const char *key, napi_valuetype want, napi_value *out) {
  napi_valuetype t;
  if (napi_get_named_property(env, obj, key, out) != napi_ok) return 0;
  napi_typeof(env, *out, &t);
  return t == want;
}

static uint32_t opt_u32(napi_env env, napi_value obj, const char *key, uint32_t dflt) {
  napi_value v;
  uint32_t n;
  if (!get_prop(env, obj, key, napi_number, &v) || napi_get_value_uint32(env, v, &n) != napi_ok) return dflt;
  return n;
}

/* A caller-owned string option (malloc'd); NULL when absent. */
static char *opt_str(napi_env env, napi_value obj, const char *key) {
  napi_value v;
  size_t len;
  if (!get_prop(env, obj, key, napi_string, &v)) return NULL;
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  char *s = malloc(len + 1);
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* ---------- the LiveCapture class ---------- */

static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self, v;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  napi_valuetype t0 = napi_undefined, t1 = napi_undefined, t2 = napi_undefined;
  if (argc >= 3) {
    napi_typeof(env, argv[0], &t0);
    napi_typeof(env, argv[1], &t1);
    napi_typeof(env, argv[2], &t2);
  }
  if (t0 != napi_object || t1 != napi_function || t2 != napi_function) {
    napi_throw_type_error(env, NULL, "LiveCapture(options, onBatch, onError)");
    return NULL;
  }
  live_opts_t o;
  char *device = opt_str(env, argv[0], "device");
  if (device == NULL) {
    napi_throw_type_error(env, NULL, "options.device must be a string");
    return NULL;
  }
  char *filter = opt_str(env, argv[0], "filter");
  o.device = device;
  o.filter = filter;
  o.snaplen = opt_u32(env, argv[0], "snaplen", 256);
  o.buffer_size = opt_u32(env, argv[0], "bufferSize", 32u << 20);
  o.timeout_ms = opt_u32(env, argv[0], "timeoutMs", 100);
  o.promisc = true;
  if (get_prop(env, argv[0], "promisc", napi_boolean, &v)) napi_get_value_bool(env, v, &o.promisc);
  if (o.snaplen < 64) o.snaplen = 64;
  uint32_t batch_bytes = opt_u32(env, argv[0], "batchBytes", 4u << 20);
  size_t rec_max = REC_HDR + ((o.snaplen + 3u) & ~3u);
  if (batch_bytes < rec_max * 16) batch_bytes = (uint32_t)(rec_max * 16);

  const char *code;
  char msg[2048], warning[PCAP_ERRBUF_SIZE + 64], text[2400];
  pcap_t *p = live_open(&o, &code, msg, sizeof msg, warning, sizeof warning);
  int fd = p ? pcap_get_selectable_fd(p) : -1;
  if (p != NULL && fd < 0) {
    pcap_close(p);
    p = NULL;
    snprintf(msg, sizeof msg, "no selectable file descriptor");
  }
  if (p == NULL) {
    snprintf(text, sizeof text, "capture on %.300s: %s", device, msg);
    free(device);
    free(filter);
    napi_throw_error(env, code, text);
    return NULL;
  }

  // Several workers on one interface: join (or found) a kernel fanout group that splits the
  // packets between them by address pair (fanout.c).
  napi_value fv;
  if (get_prop(env, argv[0], "fanoutGroup", napi_number, &fv)) {
    uint32_t group = 0;
    bool unique = false;
    napi_get_value_uint32(env, fv, &group);
    if (get_prop(env, argv[0], "fanoutNew", napi_boolean, &v)) napi_get_value_bool(env, v, &unique);
    if (capture_join_fanout(p, &group, unique, msg, sizeof msg) != 0) {
      pcap_close(p);
      snprintf(text, sizeof text, "capture on %.300s: %s", device, msg);
      free(device);
      free(filter);
      napi_throw_error(env, "EPCAP", text);
      return NULL;
    }
    napi_value g;
    napi_create_uint32(env, group, &g);
    napi_set_named_property(env, self, "fanoutGroup", g);
  }

  capture_t *c = calloc(1, sizeof *c);
  c->env = env;
  c->pcap = p;
  c->snaplen = o.snaplen;
  c->rec_max = rec_max;
  napi_value ab, num;
  void *data;
  napi_create_arraybuffer(env, batch_bytes, &data, &ab);
  c->buf = data;
  c->buf_len = batch_bytes;
  napi_set_named_property(env, self, "buffer", ab);
  napi_create_int32(env, pcap_datalink(p), &num);
  napi_set_named_property(env, self, "linktype", num);
  if (warning[0]) {
    napi_value w;
    snprintf(text, sizeof text, "capture on %.300s: %s", device, warning);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &w);
    napi_set_named_property(env, self, "warning", w);
  }
  free(device);
  free(filter);
  capture_attach(c, self, argv[1], argv[2], ab, fd);
  return self;
}

static capture_t *unwrap(napi_env env, napi_callback_info info) {
  napi_value self;
  void *c = NULL;
  napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
  napi_unwrap(env, self, &c);
  return (capture_t *)c;
}

static void set_num(napi_env env, napi_value obj, const char *key, uint64_t n) {
  napi_value v;
  napi_create_double(env, (double)n, &v);
  napi_set_named_property(env, obj, key, v);
}

static napi_value stats_object(napi_env env, capture_t *c) {
  napi_value o;
  napi_create_object(env, &o);
  set_num(env, o, "received", c->recv);
  set_num(env, o, "dropped", c->drop);
  set_num(env, o, "ifDropped", c->ifdrop);
  set_num(env, o, "delivered", c->delivered);
  return o;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  capture_t *c = unwrap(env, info);
  if (c == NULL) return NULL;
  capture_refresh_stats(c);
  return stats_object(env, c);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  capture_t *c = unwrap(env, info);
  if (c == NULL) return NULL;
  capture_close(c);
  return stats_object(env, c);
}

/* checkFilter(filter, linktype, snaplen) -> null or libpcap's complaint; needs no privileges (for --check). */
/* checkFilter(filter, linktype, snaplen) -> null or libpcap's complaint; needs no privileges (for --check). */
static napi_value js_check_filter(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t len;
  int32_t linktype = 1, snaplen = 256;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "checkFilter(filter, linktype, snaplen)");
    return NULL;
  }
  char *filter = malloc(len + 1);
  napi_get_value_string_utf8(env, argv[0], filter, len + 1, &len);
  if (argc > 1) napi_get_value_int32(env, argv[1], &linktype);
  if (argc > 2) napi_get_value_int32(env, argv[2], &snaplen);
  char msg[PCAP_ERRBUF_SIZE];
  const char *err = live_check_filter(filter, linktype, snaplen, msg, sizeof msg);
  free(filter);
  if (err == NULL) napi_get_null(env, &result);
  else napi_create_string_utf8(env, err, NAPI_AUTO_LENGTH, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls, version, check;
  napi_define_class(env, "LiveCapture", NAPI_AUTO_LENGTH, construct, NULL, 2, methods, &cls);
  napi_set_named_property(env, exports, "LiveCapture", cls);
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "libpcapVersion", version);
  napi_create_function(env, "checkFilter", NAPI_AUTO_LENGTH, js_check_filter, NULL, &check);
  napi_set_named_property(env, exports, "checkFilter", check);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)