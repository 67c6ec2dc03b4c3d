// The running capture: a libuv poll on libpcap's descriptor drains the kernel ring into the
// shared buffer and calls JS once per batch; pcap_stats is folded into 64-bit totals.

#include "pcap_live.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 64 /* batches per wake-up, so a flood cannot starve the event loop (the poll is level-triggered) */
#define STATS_EVERY_MS 1000

static void maybe_free(capture_t *c) {
  if (c->finalized && !c->poll_open && c->pcap == NULL) free(c);
}

void capture_refresh_stats(capture_t *c) {
  struct pcap_stat ps;
  if (c->pcap == NULL || pcap_stats(c->pcap, &ps) != 0) return;
  // Unsigned 32-bit differences stay right across one wrap of libpcap's counters.
  c->recv += (uint32_t)(ps.ps_recv - c->last_recv);
  c->drop += (uint32_t)(ps.ps_drop - c->last_drop);
  c->ifdrop += (uint32_t)(ps.ps_ifdrop - c->last_ifdrop);
  c->last_recv = ps.ps_recv;
  c->last_drop = ps.ps_drop;
  c->last_ifdrop = ps.ps_ifdrop;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  capture_t *c = (capture_t *)user;
  uint32_t len = h->caplen > c->snaplen ? c->snaplen : h->caplen;
  uint32_t *hdr = (uint32_t *)(c->buf + c->used);
  hdr[0] = (uint32_t)h->ts.tv_sec;
  hdr[1] = (uint32_t)h->ts.tv_usec;
  hdr[2] = len;
  hdr[3] = h->len;
  memcpy(c->buf + c->used + REC_HDR, bytes, len);
  c->used += REC_HDR + ((len + 3u) & ~3u);
  c->count++;
}

static void on_poll_closed(uv_handle_t *h) {
  capture_t *c = (capture_t *)h->data;
  c->poll_open = 0;
  maybe_free(c);
}

/* Stops polling, keeps the final counters, releases what kept the JS side alive. Never during pcap_dispatch. */
static void do_close(capture_t *c) {
  if (c->pcap == NULL) return;
  capture_refresh_stats(c);
  if (c->poll_open) {
    uv_poll_stop(&c->poll);
    uv_close((uv_handle_t *)&c->poll, on_poll_closed);
  }
  pcap_close(c->pcap);
  c->pcap = NULL;
  c->buf = NULL;
  if (!c->finalized) {
    napi_delete_reference(c->env, c->buffer);
    napi_delete_reference(c->env, c->on_batch);
    napi_delete_reference(c->env, c->on_error);
    c->buffer = c->on_batch = c->on_error = NULL;
    napi_reference_unref(c->env, c->self, NULL);
  }
}

static void call_js(capture_t *c, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_env env = c->env;
  napi_value fn, recv, result;
  if (fn_ref == NULL || napi_get_reference_value(env, fn_ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_reference_value(env, c->self, &recv);
  if (napi_make_callback(env, c->async, recv, fn, argc, argv, &result) == napi_pending_exception) {
    // An exception in the batch handler goes to process 'uncaughtException', as from any callback.
    napi_value e;
    napi_get_and_clear_last_exception(env, &e);
    napi_fatal_exception(env, e);
  }
}

static void deliver(capture_t *c) {
  napi_value argv[2];
  napi_create_uint32(c->env, c->count, &argv[0]);
  napi_create_double(c->env, (double)c->used, &argv[1]);
  c->delivered += c->count;
  call_js(c, c->on_batch, 2, argv);
}

static void report_error(capture_t *c, const char *msg) {
  napi_value argv[1];
  napi_create_string_utf8(c->env, msg, NAPI_AUTO_LENGTH, &argv[0]);
  call_js(c, c->on_error, 1, argv);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  capture_t *c = (capture_t *)h->data;
  if (c->pcap == NULL || c->closing) return;
  napi_env env = c->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  char err[PCAP_ERRBUF_SIZE + 32];
  err[0] = '\0';
  if (status < 0) {
    // The socket reports an error (e.g. the interface went down): libpcap's read says which.
    c->count = 0;
    c->used = 0;
    c->dispatching = 1;
    int n = pcap_dispatch(c->pcap, 1, on_packet, (u_char *)c);
    c->dispatching = 0;
    // libuv reports POLLERR as UV_EBADF and stops the handle: on a packet socket that means the
    // interface went down or away.
    if (n < 0) snprintf(err, sizeof err, "%s", pcap_geterr(c->pcap));
    else if (status == UV_EBADF) snprintf(err, sizeof err, "the capture socket reported an error (interface down or removed?)");
    else snprintf(err, sizeof err, "poll: %s", uv_strerror(status));
  } else {
    c->dispatching = 1;
    for (int round = 0; round < MAX_ROUNDS && !c->closing; round++) {
      int n = 0, full = 0;
      c->used = 0;
      c->count = 0;
      for (;;) {
        size_t room = (c->buf_len - c->used) / c->rec_max;
        if (room == 0) {
          full = 1;
          break;
        }
        n = pcap_dispatch(c->pcap, room > INT_MAX ? INT_MAX : (int)room, on_packet, (u_char *)c);
        if (n <= 0) break;
      }
      if (c->count > 0) deliver(c);
      if (n < 0 && n != PCAP_ERROR_BREAK && c->pcap != NULL) {
        snprintf(err, sizeof err, "%s", pcap_geterr(c->pcap));
        break;
      }
      if (!full) break;
    }
    c->dispatching = 0;
  }
  if (c->pcap != NULL) {
    uint64_t now = uv_now(uv_handle_get_loop((uv_handle_t *)h));
    if (now - c->stats_at >= STATS_EVERY_MS) {
      capture_refresh_stats(c);
      c->stats_at = now;
    }
  }
  if (err[0] != '\0' && !c->closing) {
    c->closing = 1; // a capture that failed (interface removed, ...) stops; the owner decides what next
    report_error(c, err);
  }
  if (c->closing) do_close(c);
  napi_close_handle_scope(env, scope);
}

static void finalize(napi_env env, void *data, void *hint) {
  capture_t *c = (capture_t *)data;
  c->finalized = 1;
  if (c->pcap != NULL) { // unreachable while open (self is a strong reference), kept for safety
    c->closing = 1;
    do_close(c);
  }
  if (c->buffer) napi_delete_reference(env, c->buffer);
  if (c->on_batch) napi_delete_reference(env, c->on_batch);
  if (c->on_error) napi_delete_reference(env, c->on_error);
  napi_delete_reference(env, c->self);
  napi_async_destroy(env, c->async);
  maybe_free(c);
}

/* Starts polling `fd` for `c` (whose pcap is open); `self` is the JS object wrapping it. */
void capture_attach(capture_t *c, napi_value self, napi_value on_batch, napi_value on_error, napi_value buffer, int fd) {
  napi_env env = c->env;
  napi_value name;
  napi_create_reference(env, buffer, 1, &c->buffer);
  napi_create_reference(env, on_batch, 1, &c->on_batch);
  napi_create_reference(env, on_error, 1, &c->on_error);
  napi_create_string_utf8(env, "spanmap:pcap", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, self, name, &c->async);
  napi_wrap(env, self, c, finalize, NULL, &c->self);
  napi_reference_ref(env, c->self, NULL);
  struct uv_loop_s *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &c->poll, fd);
  c->poll.data = c;
  c->poll_open = 1;
  c->stats_at = uv_now(loop);
  uv_poll_start(&c->poll, UV_READABLE, on_readable);
}

/* close() from JS: at once, or once pcap_dispatch has returned when called from a batch handler. */
void capture_close(capture_t *c) {
  if (c->dispatching) c->closing = 1;
  else do_close(c);
}
