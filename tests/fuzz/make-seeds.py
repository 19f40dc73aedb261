#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the binary seed inputs of fuzz_ct (ctnetlink messages, as the
# kernel sends them on dumps and events) and fuzz_ctl (control socket
# requests) into corpus/. The YAML seeds are copies of the golden configs.
import os
import struct

NLA_F_NESTED = 0x8000
# linux/netfilter/nfnetlink_conntrack.h
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_PROTOINFO = 1, 2, 3, 4
CTA_TIMEOUT, CTA_MARK, CTA_COUNTERS_ORIG, CTA_COUNTERS_REPLY, CTA_ID = 7, 8, 9, 10, 12
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST = 1, 2, 3, 4
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_PROTOINFO_TCP, CTA_PROTOINFO_TCP_STATE = 1, 1
CTA_COUNTERS_PACKETS, CTA_COUNTERS_BYTES = 1, 2
IPCTNL_MSG_CT_NEW, IPCTNL_MSG_CT_DELETE = 0, 2


def attr(t, payload, nested=False):
    n = 4 + len(payload)
    return struct.pack("<HH", n, t | (NLA_F_NESTED if nested else 0)) + payload + b"\0" * (-n % 4)


def addr(a):
    if ":" in a:
        import ipaddress
        return ipaddress.IPv6Address(a).packed
    return bytes(int(x) for x in a.split("."))


def tuple_(kind, src, dst, l4, sport, dport):
    v6 = ":" in src
    ip = attr(CTA_IP_V6_SRC if v6 else CTA_IP_V4_SRC, addr(src)) + \
        attr(CTA_IP_V6_DST if v6 else CTA_IP_V4_DST, addr(dst))
    proto = attr(CTA_PROTO_NUM, bytes([l4]))
    if l4 in (6, 17):
        proto += attr(CTA_PROTO_SRC_PORT, struct.pack(">H", sport)) + \
            attr(CTA_PROTO_DST_PORT, struct.pack(">H", dport))
    return attr(kind, attr(CTA_TUPLE_IP, ip, True) + attr(CTA_TUPLE_PROTO, proto, True), True)


def msg(typ, family, attrs, flags=0):
    body = struct.pack("<BBH", family, 0, 0) + attrs
    return struct.pack("<IHHII", 16 + len(body), (1 << 8) | typ, flags, 1, 0) + body


def counters(kind, packets, nbytes):
    return attr(kind, attr(CTA_COUNTERS_PACKETS, struct.pack(">Q", packets)) +
                attr(CTA_COUNTERS_BYTES, struct.pack(">Q", nbytes)), True)


def entry(orig, reply, l4, mark, tcp_state=None, extra=b""):
    a = tuple_(CTA_TUPLE_ORIG, *orig[:2], l4, *orig[2:]) + \
        tuple_(CTA_TUPLE_REPLY, *reply[:2], l4, *reply[2:])
    a += attr(CTA_STATUS, struct.pack(">I", 0x1ae)) + attr(CTA_TIMEOUT, struct.pack(">I", 120))
    a += attr(CTA_MARK, struct.pack(">I", mark)) + attr(CTA_ID, struct.pack(">I", 0x1234))
    if tcp_state is not None:
        a += attr(CTA_PROTOINFO, attr(CTA_PROTOINFO_TCP,
                                      attr(CTA_PROTOINFO_TCP_STATE, bytes([tcp_state])), True), True)
    return a + extra


here = os.path.dirname(os.path.abspath(__file__))
ct = {
    "forward-tcp": msg(IPCTNL_MSG_CT_NEW, 2, entry(
        ("203.0.113.100", "203.0.113.5", 40000, 443), ("192.0.2.10", "203.0.113.100", 8443, 40000),
        6, 0x4e000001, 3, counters(CTA_COUNTERS_ORIG, 10, 800) + counters(CTA_COUNTERS_REPLY, 9, 9000))),
    "snat-udp": msg(IPCTNL_MSG_CT_NEW, 2, entry(
        ("192.0.2.20", "198.51.100.7", 3074, 53), ("198.51.100.7", "203.0.113.5", 53, 3074),
        17, 0x4e000007)),
    "forward-ipv6": msg(IPCTNL_MSG_CT_NEW, 10, entry(
        ("2001:db8:ff::100", "2001:db8:ff::5", 40974, 443),
        ("2001:db8:1::10", "2001:db8:ff::100", 8443, 40974), 6, 0x4e000005, 8)),
    "destroy": msg(IPCTNL_MSG_CT_DELETE, 2, entry(
        ("203.0.113.100", "203.0.113.5", 40001, 443), ("192.0.2.10", "203.0.113.100", 8443, 40001),
        6, 0x4e000001)),
    "icmp": msg(IPCTNL_MSG_CT_NEW, 2, entry(
        ("203.0.113.100", "203.0.113.5", 0, 0), ("203.0.113.5", "203.0.113.100", 0, 0), 1, 0)),
    "no-reply": msg(IPCTNL_MSG_CT_NEW, 2, tuple_(CTA_TUPLE_ORIG, "192.0.2.20", "198.51.100.7", 6, 1, 2)),
}
ctl = {}
MAGIC, VERSION = 0x4E475743, 1


def ctl_req(typ, json=0, verbosity=0, l4=0, flags=0, confirm=0, rule=b"", name=b"", content=b""):
    opts = struct.pack("<BbBBII40s", json, verbosity, l4, flags, confirm, len(name), rule)
    payload = opts + name + content
    return struct.pack("<IHHI", MAGIC, VERSION, typ, len(payload)) + payload


ctl["show"] = ctl_req(1, json=1)
ctl["mappings-rule"] = ctl_req(2, l4=17, flags=3, rule=b"web")
ctl["reload"] = ctl_req(3, verbosity=2)
ctl["apply-confirm"] = ctl_req(4, confirm=60, name=b"natgw.yaml",
                               content=b"version: 1\nforwards:\n  - name: web\n    port: 443\n    to: 192.0.2.10\n")
ctl["confirm"] = ctl_req(5)
for d, seeds in (("fuzz_ct", ct), ("fuzz_ctl", ctl)):
    os.makedirs(os.path.join(here, "corpus", d), exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(here, "corpus", d, name), "wb") as f:
            f.write(data)
