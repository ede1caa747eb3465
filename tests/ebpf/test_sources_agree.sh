#!/usr/bin/env bash
# The two event sources see one workload alike: a program that does its
# file I/O through plain system calls and Linux AIO (fio's libaio and
# psync engines with a fixed seed, python's os.* calls) gives, on its
# data files, the same events under -s ebpf (in the kernel) and -s
# preload (in the process): operation, offset, size and result of every
# read, write and asynchronous request.
. "$SRC/tests/ebpf/lib.sh"
need_ebpf
command -v fio >/dev/null || skip_or_fail "fio not installed"
IOREC=${BIN:-$BUILD/bin}/iorec
[[ -x $IOREC ]] || skip_or_fail "iorec not built"

cat >"$WORK/job.sh" <<'SH'
set -e
D=$1
rm -rf "$D"; mkdir -p "$D"
for e in psync libaio; do
	fio --name=$e --filename="$D/$e" --ioengine=$e --rw=randrw --bs=4k --size=1m \
		--iodepth=4 --randseed=11 --randrepeat=1 --output-format=json >/dev/null
done
python3 - "$D/py" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, b"w" * 1000)
os.pwrite(fd, b"p" * 300, 5000)
os.writev(fd, [b"a" * 10, b"b" * 20])
os.lseek(fd, 0, os.SEEK_SET)
os.read(fd, 700)
os.pread(fd, 100, 4950)
os.readv(fd, [bytearray(64), bytearray(64)])
os.pread(fd, 4096, 5200)
os.close(fd)
PY
SH

# "op offset size result", one line per read/write event on the data files
io_lines() { # trace
	events "$1" | awk -F'\t' -v d="$WORK/d/" '$1 == "IO" && index($14, d) == 1 &&
		$2 ~ /^(read|write|pread|pwrite|readv|writev|preadv2?|pwritev2?|aio_read|aio_write)$/ {
		print $2, $6, $7, $8 }' | sort
}

record "$WORK/e.iotr" -- bash "$WORK/job.sh" "$WORK/d" || fail "the job under -s ebpf"
io_lines "$WORK/e.iotr" >"$WORK/e.txt"
"$IOREC" -q -s preload -o "$WORK/p.iotr" -- bash "$WORK/job.sh" "$WORK/d" || fail "the job under -s preload"
io_lines "$WORK/p.iotr" >"$WORK/p.txt"

n=$(wc -l <"$WORK/e.txt")
((n > 1000)) || fail "only $n events under -s ebpf"
for op in pread pwrite aio_read aio_write read write readv writev; do
	grep -q "^$op " "$WORK/e.txt" || fail "no $op event under -s ebpf"
done
if ! cmp -s "$WORK/e.txt" "$WORK/p.txt"; then
	diff "$WORK/e.txt" "$WORK/p.txt" | head -20
	fail "the sources disagree (< ebpf, > preload)"
fi
echo "ok: $n events alike under -s ebpf and -s preload"
echo PASS
