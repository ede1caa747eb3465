#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_ebpf_event (tests/fuzz/corpus/ebpf_event):
sequences of ring-buffer samples as the kernel side makes them (struct
iorec_event, then the path and the base of a relative path), valid ones and
broken ones. Run from the repository root; x86_64 syscall numbers."""
import os
import struct

EV = struct.Struct("<QQqQqQIIIiIHBBHHHH")  # struct iorec_event, 80 bytes
SYSCALL, URING, EXIT, FORK = 1, 2, 3, 4
KF_FILE = 1
NR = {"read": 0, "write": 1, "close": 3, "pread64": 17, "openat": 257, "dup2": 33,
      "newfstatat": 262, "unlink": 87, "close_range": 436, "mmap": 9}


def ev(nr, typ=SYSCALL, fd=3, off=-1, size=0, res=0, ino=0, dev=0, pid=100, tid=100,
       flags=0, ftype=0, kflags=0, path=None, base=None, path_len=None, base_len=None):
    p = (path.encode() + b"\0") if path is not None else b""
    b = (base.encode() + b"\0") if base is not None else b""
    pl = len(p) if path_len is None else path_len
    bl = len(b) if base_len is None else base_len
    head = EV.pack(1000, 50, off, size, res, ino, dev, pid, tid, fd, flags, nr, typ, ftype,
                   pl, kflags, bl, 0)
    return head + p + b


def seq(*samples):
    return b"".join(struct.pack("<H", len(s)) + s for s in samples)


FILE = dict(ino=42, dev=(8 << 20) | 1, ftype=8, kflags=KF_FILE)
corpus = {
    "open_read_close": seq(
        ev(NR["openat"], fd=-100, res=3, flags=0, path="/keep/a.dat", **FILE),
        ev(NR["pread64"], off=4096, size=4096, res=4096, **FILE),
        ev(NR["read"], off=0, size=100, res=50, **FILE),
        ev(NR["close"], **FILE)),
    "relative_with_base": seq(
        ev(NR["openat"], fd=-100, res=4, path="sub/../x.dat", base="/keep/dir", **FILE),
        ev(NR["newfstatat"], fd=-100, path="y", base="/other"),
        ev(NR["unlink"], fd=-1, path="../../z", base="/")),
    "dup_fork_exit": seq(
        ev(NR["openat"], fd=-100, res=3, path="/keep/f", **FILE),
        ev(NR["dup2"], res=9, **FILE),
        ev(0, typ=FORK, fd=-1, pid=101, tid=101, res=100),
        ev(NR["write"], fd=9, pid=101, tid=101, size=10, res=10, **FILE),
        ev(0, typ=EXIT, fd=-1, pid=101, tid=101),
        ev(NR["close_range"], fd=0, size=0xffffffff, res=0)),
    "uring": seq(
        ev(22, typ=URING, off=0, size=4096, res=4096, **FILE),
        ev(5, typ=URING, off=8192, size=4096, res=-5, kflags=KF_FILE | 16, ino=42,
           dev=(8 << 20) | 1, ftype=8),
        ev(99, typ=URING, fd=-1)),
    "pipe_and_mmap": seq(
        ev(NR["write"], fd=1, size=3, res=3, ino=7, ftype=1, kflags=KF_FILE),
        ev(NR["mmap"], fd=3, size=8192, off=0, res=0x7f0000000000, **FILE)),
    "bad_lengths": seq(
        ev(NR["openat"], path="/keep/x", path_len=4000),
        ev(NR["openat"], path="/keep/x", base="/b", base_len=60000),
        ev(NR["openat"], path="abc", path_len=2)[:-1],
        ev(NR["openat"], path="", path_len=0, base="/only-base"),
        b"\x01\x02\x03",
        ev(511), ev(NR["read"], typ=77)),
    "truncated": seq(ev(NR["read"], **FILE)[:40]),
}
os.makedirs("tests/fuzz/corpus/ebpf_event", exist_ok=True)
for name, data in corpus.items():
    with open(os.path.join("tests/fuzz/corpus/ebpf_event", name), "wb") as f:
        f.write(data)
