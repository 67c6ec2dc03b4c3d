// Opening a live capture with libpcap, and compiling filters for --check.

#include "pcap_live.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char *status_code(int rc) {
  switch (rc) {
    case PCAP_ERROR_PERM_DENIED: return "EPERM";
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "EPROMISC";
    case PCAP_ERROR_NO_SUCH_DEVICE: return "ENODEV";
    case PCAP_ERROR_IFACE_NOT_UP: return "ENETDOWN";
    default: return "EPCAP";
  }
}

pcap_t *live_open(const live_opts_t *o, const char **code, char *msg, size_t msg_len, char *warning, size_t warning_len) {
  char errbuf[PCAP_ERRBUF_SIZE];
  errbuf[0] = '\0';
  warning[0] = '\0';
  *code = "EPCAP";
  pcap_t *p = pcap_create(o->device, errbuf);
  if (p == NULL) {
    snprintf(msg, msg_len, "%s", errbuf);
    return NULL;
  }
  pcap_set_snaplen(p, (int)o->snaplen);
  pcap_set_promisc(p, o->promisc ? 1 : 0);
  // With TPACKET_V3 the timeout is the block retire time: packets are handed over when a block
  // fills or this many ms pass, which is what makes batches (immediate mode would wake per packet).
  pcap_set_timeout(p, (int)o->timeout_ms);
  pcap_set_buffer_size(p, (int)(o->buffer_size > INT_MAX ? INT_MAX : o->buffer_size));
  int rc = pcap_activate(p);
  if (rc < 0) {
    const char *detail = pcap_geterr(p);
    *code = status_code(rc);
    if (detail && *detail && strcmp(detail, pcap_statustostr(rc)) != 0) snprintf(msg, msg_len, "%s (%s)", pcap_statustostr(rc), detail);
    else snprintf(msg, msg_len, "%s", pcap_statustostr(rc));
    pcap_close(p);
    return NULL;
  }
  if (rc > 0) snprintf(warning, warning_len, "%s %s", pcap_statustostr(rc), pcap_geterr(p));
  if (o->filter != NULL && *o->filter) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
      *code = "EFILTER";
      snprintf(msg, msg_len, "bad filter \"%.900s\": %s", o->filter, pcap_geterr(p));
      pcap_close(p);
      return NULL;
    }
    rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
      *code = "EFILTER";
      snprintf(msg, msg_len, "%s", pcap_geterr(p));
      pcap_close(p);
      return NULL;
    }
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    snprintf(msg, msg_len, "%s", errbuf);
    pcap_close(p);
    return NULL;
  }
  return p;
}

const char *live_check_filter(const char *filter, int linktype, int snaplen, char *msg, size_t msg_len) {
  pcap_t *p = pcap_open_dead(linktype, snaplen);
  if (p == NULL) return "cannot compile filters (pcap_open_dead failed)";
  struct bpf_program prog;
  const char *result = NULL;
  if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    snprintf(msg, msg_len, "%s", pcap_geterr(p));
    result = msg;
  } else {
    pcap_freecode(&prog);
  }
  pcap_close(p);
  return result;
}
