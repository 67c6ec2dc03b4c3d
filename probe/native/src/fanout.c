// Kernel fanout for live capture on several cores: the packet sockets of N workers on one
// interface join one PACKET_FANOUT group, and a classic BPF program picks each packet's worker
// from its address pair (both directions of a flow, every fragment of a datagram and every copy of
// a packet on another interface: the same worker). Linux only.

#include "pcap_live.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/if_packet.h>

#ifndef PACKET_FANOUT_FLAG_UNIQUEID
#define PACKET_FANOUT_FLAG_UNIQUEID 0x2000
#endif

/*
 * The program sees the packet from its network header when it was received (the fanout runs
 * before the packet socket puts the link header back) but from its Ethernet header when it is
 * one this host sends (PACKET_OUTGOING: a capture on the sending end of a link); the EtherType is
 * in SKF_AD_PROTOCOL, and a VLAN tag the NIC did not strip is still in front of the IP header.
 * It returns a hash of (source XOR destination); the kernel takes it modulo the number of sockets.
 * Anything that is not IPv4 or IPv6 goes to the first socket. X holds the IP header's offset.
 */
static struct sock_filter program[] = {
  /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
  /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 2),
  /* 2 */ BPF_STMT(BPF_LDX | BPF_IMM, 14), /* sent: behind the Ethernet header */
  /* 3 */ BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
  /* 4 */ BPF_STMT(BPF_LDX | BPF_IMM, 0),
  /* 5 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
  /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8100, 1, 0),
  /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x88a8, 0, 6),
  /* 8 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), /* the tagged EtherType */
  /* 9 */ BPF_STMT(BPF_ST, 8),
  /* 10 */ BPF_STMT(BPF_MISC | BPF_TXA, 0),
  /* 11 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 4),
  /* 12 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
  /* 13 */ BPF_STMT(BPF_LD | BPF_MEM, 8),
  /* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 6),
  /* IPv4: source at 12, destination at 16 */
  /* 15 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 12),
  /* 16 */ BPF_STMT(BPF_ST, 0),
  /* 17 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 16),
  /* 18 */ BPF_STMT(BPF_LDX | BPF_MEM, 0),
  /* 19 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  /* 20 */ BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0), /* patched: to the mix */
  /* 21 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 1, 0),
  /* 22 */ BPF_STMT(BPF_RET | BPF_K, 0),
  /* IPv6: XOR of the eight address words (8..39), kept in M[0..7] */
  /* 23 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 8),
  /* 24 */ BPF_STMT(BPF_ST, 0),
  /* 25 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 12),
  /* 26 */ BPF_STMT(BPF_ST, 1),
  /* 27 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 16),
  /* 28 */ BPF_STMT(BPF_ST, 2),
  /* 29 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 20),
  /* 30 */ BPF_STMT(BPF_ST, 3),
  /* 31 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 24),
  /* 32 */ BPF_STMT(BPF_ST, 4),
  /* 33 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 28),
  /* 34 */ BPF_STMT(BPF_ST, 5),
  /* 35 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 32),
  /* 36 */ BPF_STMT(BPF_ST, 6),
  /* 37 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, 36),
  /* 38 */ BPF_STMT(BPF_LDX | BPF_MEM, 6),
  /* 39 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  /* 40 */ BPF_STMT(BPF_ST, 7),
  /* 41: the fold of M[0..5] follows (tail) */
};

#define IPV4_JUMP 20

/* The IPv6 fold and the mix, appended at run time (keeps the table above readable). */
static struct sock_filter tail[] = {
  /* fold: A = M[7] ^ M[0] ^ ... ^ M[5] */
  BPF_STMT(BPF_LD | BPF_MEM, 7),
  BPF_STMT(BPF_LDX | BPF_MEM, 0), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  BPF_STMT(BPF_LDX | BPF_MEM, 1), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  BPF_STMT(BPF_LDX | BPF_MEM, 2), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  BPF_STMT(BPF_LDX | BPF_MEM, 3), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  BPF_STMT(BPF_LDX | BPF_MEM, 4), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  BPF_STMT(BPF_LDX | BPF_MEM, 5), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  /* mix (the IPv4 path jumps here): A ^= A >> 16; A *= 0x45d9f3b; A ^= A >> 16 */
  BPF_STMT(BPF_MISC | BPF_TAX, 0), BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x45d9f3b),
  BPF_STMT(BPF_MISC | BPF_TAX, 0), BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
  BPF_STMT(BPF_RET | BPF_A, 0),
};

#define HEAD_LEN (sizeof program / sizeof program[0])
#define TAIL_LEN (sizeof tail / sizeof tail[0])
#define FOLD_LEN 13 /* the tail's first 13 instructions fold IPv6; the mix follows */

int capture_join_fanout(pcap_t *p, uint32_t *group, int unique, char *msg, size_t msg_len) {
  static struct sock_filter code[HEAD_LEN + TAIL_LEN];
  memcpy(code, program, sizeof program);
  memcpy(code + HEAD_LEN, tail, sizeof tail);
  /* jumps are relative to the next instruction */
  code[IPV4_JUMP].k = (uint32_t)(HEAD_LEN + FOLD_LEN - (IPV4_JUMP + 1)); /* IPv4: to the mix */
  int fd = pcap_fileno(p);
  uint32_t arg = (*group & 0xffff) | ((uint32_t)(PACKET_FANOUT_CBPF | (unique ? PACKET_FANOUT_FLAG_UNIQUEID : 0)) << 16);
  if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
    snprintf(msg, msg_len, "cannot join a packet fanout group: %s", strerror(errno));
    return -1;
  }
  if (unique) {
    uint32_t got = 0;
    socklen_t len = sizeof got;
    if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &got, &len) != 0) {
      snprintf(msg, msg_len, "cannot read the packet fanout group: %s", strerror(errno));
      return -1;
    }
    *group = got & 0xffff;
  }
  struct sock_fprog prog = {.len = (unsigned short)(HEAD_LEN + TAIL_LEN), .filter = code};
  if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog, sizeof prog) != 0) {
    snprintf(msg, msg_len, "cannot set the packet fanout program: %s", strerror(errno));
    return -1;
  }
  return 0;
}
