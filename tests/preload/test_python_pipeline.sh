#!/usr/bin/env bash
# python3 reading and writing files, and a forking, exec'ing shell
# pipeline: every process gets its own shard, all are merged, outputs and
# exit codes are those of untraced runs.
source "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

cat >rw.py <<'PY'
import os, sys
d = sys.argv[1]
with open(os.path.join(d, "py.out"), "wb") as f:
    for i in range(100):
        f.write(b"z" * 1000)
total = 0
with open(os.path.join(d, "py.out"), "rb") as f:
    while True:
        b = f.read(4096)
        if not b:
            break
        total += len(b)
os.rename(os.path.join(d, "py.out"), os.path.join(d, "py.renamed"))
print("read", total)
# children started by posix_spawn (subprocess) and system()
import subprocess
sys.stdout.flush()
subprocess.run(["cat", os.path.join(d, "py.renamed")], stdout=subprocess.DEVNULL, check=True)
os.posix_spawnp("cat", ["cat", os.path.join(d, "spawned")], os.environ)
os.wait()
os.system("cat " + os.path.join(d, "system") + " >/dev/null")
PY
echo spawned >spawned; echo system >system
python3 rw.py "$WORK" >u.out 2>&1; rc1=$?
mv py.renamed u.renamed
traced python3 rw.py "$WORK" >t.out 2>&1; rc2=$?
expect_eq "python exit code" "$rc2" "$rc1"
cmp -s u.out t.out || fail "python stdout differs"
cmp -s u.renamed py.renamed || fail "python output file differs"
merge --dump
# python buffers writes: 100000 bytes reach the file in write() calls
expect_eq "python: bytes written to py.out" "$(ev_sum "$WORK/py.out" write | cut -d' ' -f2)" 100000
expect_eq "python: bytes read from py.out" "$(ev_sum "$WORK/py.out" read | cut -d' ' -f2)" 100000
grep -q "^ev .* rename -1 -1 0 0 0 $WORK/py.out\$" stats || fail "rename not recorded"
expect_eq "subprocess child: bytes read" "$(ev_sum "$WORK/py.renamed" read | cut -d' ' -f2)" 100000
# (cat copies to a regular stdout with copy_file_range: count its opens)
expect_eq "posix_spawn child: opens of the file" "$(ev_sum "$WORK/spawned" 'open|openat' | cut -d' ' -f1)" 1
expect_eq "system() child: opens of the file" "$(ev_sum "$WORK/system" 'open|openat' | cut -d' ' -f1)" 1

# Children whose environment was rebuilt without the library's variables
# (env -i, subprocess with env=...) get them back and are traced.
echo envi >envi.in; echo subenv >subenv.in
traced bash -c 'env -i /bin/cat envi.in >/dev/null; python3 -c "import subprocess; subprocess.run([\"/bin/cat\", \"subenv.in\"], env={\"A\": \"1\"}, stdout=subprocess.DEVNULL)"' ||
	fail "env -i / subprocess env= run failed"
merge --dump
expect_eq "env -i child: bytes read" "$(ev_sum "$WORK/envi.in" read | cut -d' ' -f2)" 5
expect_eq "subprocess env={...} child: bytes read" "$(ev_sum "$WORK/subenv.in" read | cut -d' ' -f2)" 7

# Vector and positioned calls: sizes, results and offsets (dup'd
# descriptors share theirs, as in the kernel).
cat >vec.py <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.writev(fd, [b"a" * 100, b"b" * 50])             # offset 0, 150 bytes
fd2 = os.dup(fd)                                  # python: fcntl(F_DUPFD_CLOEXEC)
os.write(fd2, b"c" * 10)                          # offset 150 through the dup
os.pwritev(fd, [b"d" * 20], 1000)                 # offset 1000 (python: pwritev2)
os.lseek(fd, 0, os.SEEK_SET)
os.readv(fd2, [bytearray(30), bytearray(30)])     # offset 0, 60 bytes
os.preadv(fd, [bytearray(40)], 100)               # offset 100
os.ftruncate(fd, 500)
os.fsync(fd)
os.close(fd2)
os.close(fd)
PY
traced python3 vec.py "$WORK/vec.out" || fail "vec.py failed"
merge --dump
expect_eq "vector calls: op offset size result" "$(awk -v p="$WORK/vec.out" '$1 == "ev" && $11 == p && $5 != "fstat" && $5 != "open" && $5 != "openat" {printf "%s:%s:%s:%s ", $5, $7, $8, ($5 == "fcntl" ? "fd" : $9)}' stats)" \
	"writev:0:150:150 fcntl:-1:0:fd write:150:10:10 pwritev2:1000:20:20 lseek:0:0:0 readv:0:60:60 preadv2:100:40:40 ftruncate:-1:500:0 fsync:-1:0:0 close:-1:0:0 close:-1:0:0 "

# Offsets and event flags where the library's short path for the
# read/write family hands over to the general one: O_APPEND (offset
# unknown, flag 1), short reads (flag 2), a pipe (no offset, no flag),
# a descriptor inherited from the shell (learned at its first read).
cat >flags.py <<'PY'
import os, sys
p = sys.argv[1]
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
os.write(fd, b"x" * 100)
os.lseek(fd, 0, os.SEEK_SET)    # the write still goes to the end
os.write(fd, b"y" * 100)
os.close(fd)
fd = os.open(p, os.O_RDONLY)
os.read(fd, 150)
os.read(fd, 100)
os.read(fd, 100)
os.pread(fd, 10, 195)
os.close(fd)
r, w = os.pipe()
os.write(w, b"pipe!")
os.read(r, 5)
os.read(0, 4)
os.read(0, 4)
PY
printf abcdefgh >flags.in
traced python3 flags.py "$WORK/flags.out" <flags.in || fail "flags.py failed"
merge --dump
expect_eq "read/write: op offset size result flags" "$(awk -v p="$WORK/flags.out" -v q="$WORK/flags.in" '$1 == "ev" && ($11 == p || $11 == q) && $5 ~ /^(p?read|write)$/ {printf "%s:%s:%s:%s:%s ", $5, $7, $8, $9, $10}' stats)" \
	"write:-1:100:100:1 write:-1:100:100:1 read:0:150:150:0 read:150:100:50:2 read:200:100:0:2 pread:195:10:5:2 read:0:4:4:0 read:4:4:4:0 "
expect_eq "pipe: op offset size result flags" "$(awk '$1 == "ev" && $11 ~ /^pipe:/ && $8 == 5 {printf "%s:%s:%s:%s:%s ", $5, $7, $8, $9, $10}' stats)" \
	"write:-1:5:5:0 read:-1:5:5:0 "

# O_APPEND and O_DIRECT switched by fcntl(F_SETFL) on an open file: the
# appended write's offset is unknown, the position is known again once
# O_APPEND is off, and the O_DIRECT read has the DIRECT flag (4) where
# the file system has O_DIRECT.
cat >setfl.py <<'PY'
import fcntl, mmap, os, sys
p = sys.argv[1]
fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, b"a" * 4096)
fl = fcntl.fcntl(fd, fcntl.F_GETFL)
fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_APPEND)
os.lseek(fd, 0, os.SEEK_SET)
os.write(fd, b"b" * 4096)            # at 4096, not 0
fcntl.fcntl(fd, fcntl.F_SETFL, fl)
os.write(fd, b"c" * 4096)            # at 8192: the position is known again
try:
    fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_DIRECT)
    direct = True
except OSError:
    direct = False
buf = mmap.mmap(-1, 4096)             # page aligned, for O_DIRECT
os.preadv(fd, [buf], 0)
print("direct" if direct else "buffered")
PY
mode=$(traced python3 setfl.py "$WORK/setfl.out") || fail "setfl.py failed"
merge --dump
dflag=$([[ $mode == direct ]] && echo 4 || echo 0)
expect_eq "F_SETFL: op offset size result flags ($mode)" \
	"$(awk -v p="$WORK/setfl.out" '$1 == "ev" && $11 == p && $5 ~ /^(write|preadv2?)$/ {printf "%s:%s:%s:%s:%s ", $5, $7, $8, $9, $10}' stats)" \
	"write:0:4096:4096:0 write:-1:4096:4096:1 write:8192:4096:4096:0 preadv2:0:4096:4096:$dflag "

# mmap of a file, and its munmap named after the file (malloc's
# anonymous munmaps are not recorded).
cat >mm.py <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.ftruncate(fd, 8192)
m = mmap.mmap(fd, 8192)
m[0:5] = b"hello"
m.close()
os.close(fd)
PY
traced python3 mm.py "$WORK/mm.out" || fail "mm.py failed"
merge --dump
expect_eq "mmap and munmap of a file" "$(awk -v p="$WORK/mm.out" '$1 == "ev" && $11 == p && $5 ~ /mmap|munmap/ {printf "%s:%s:%s ", $5, $7, $8}' stats)" "mmap:0:8192 munmap:-1:8192 "
expect_eq "munmaps recorded in all" "$(awk '$1 == "op" && $2 == "munmap" {print $4}' stats)" 1

# stdio through ctypes (the calls go through the dynamic symbol table):
# FILE positions counted from fopen, re-read after fseek.
cat >stdio.py <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
for f in ("fwrite", "fread"):
    getattr(libc, f).argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p]
libc.fseek.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_int]
libc.fclose.argtypes = [ctypes.c_void_p]
fp = libc.fopen(sys.argv[1].encode(), b"w+")
for i in range(3):
    libc.fwrite(b"s" * 100, 1, 100, fp)
libc.fseek(fp, 50, 0)
buf = ctypes.create_string_buffer(20)
libc.fread(buf, 1, 20, fp)
libc.fclose(fp)
PY
traced python3 stdio.py "$WORK/stdio.out" || fail "stdio.py failed"
merge --dump
expect_eq "stdio: op offset size result" "$(awk -v p="$WORK/stdio.out" '$1 == "ev" && $11 == p {printf "%s:%s:%s:%s ", $5, $7, $8, ($5 == "fopen" ? "fd" : $9)}' stats)" \
	"fopen:0:0:fd fwrite:0:100:100 fwrite:100:100:100 fwrite:200:100:100 fseek:50:0:0 fread:50:20:20 fclose:-1:0:0 "

# A pipeline: bash forks, each child execs; a subshell forks without exec.
seq 1 20000 >nums
echo sub >sub.in
pipeline='cat nums | sort -rn | (head -n 5; cat >/dev/null) | tee pipe.out | wc -l; (read -r x <sub.in; echo $x); sh -c "exit 3"'
bash -c "$pipeline" >u.out 2>&1; rc1=$?
mv pipe.out u.pipe.out
traced bash -c "$pipeline" >t.out 2>&1; rc2=$?
expect_eq "pipeline exit code" "$rc2" "$rc1"
cmp -s u.out t.out || fail "pipeline stdout differs"
cmp -s u.pipe.out pipe.out || fail "pipeline output differs"
read -r nfiles nframes < <(spool_shards) || fail "spool_shards"
merge --dump
expect_eq "pipeline: shards merged" "$(awk '/^merged/ {print $2}' stats)" "$((nfiles + nframes))"
expect_eq "pipeline: shards left open" "$(awk '/^merged/ {print $4}' stats)" 0
for c in bash cat sort head tee wc sh; do
	grep -q "^pid [0-9]* comm $c " stats || fail "no process $c in the trace"
done
expect_eq "pipeline: bytes read from nums" "$(ev_sum "$WORK/nums" read | cut -d' ' -f2)" "$(stat -c %s nums)"
# the subshell (fork without exec, bash's read builtin) has its own shard
expect_eq "subshell: bytes read from sub.in" "$(ev_sum "$WORK/sub.in" read | cut -d' ' -f2)" 4
# A fork child that execs without recording anything costs no shard (its
# exec'd image has one); one that exits without exec keeps its record.
# All four live less than a fraction of a second: no file of their own,
# a frame each in the batch file.
traced bash -c '/bin/true; /bin/true; ( : ); :' || fail "bash -c failed"
expect_eq "fork+exec: shard files, batch frames (bash, true, true, subshell)" "$(spool_shards)" "0 4"
merge
expect_eq "fork+exec: processes" "$(awk '$1 == "procs" {print $2}' stats)" 4

# A file system hands a deleted file's inode number to the next file it
# creates (ext4 does at once): the new file is a file of its own, under
# its own name, not more I/O of the deleted one (MPI-IO's lock files).
cat >reuse.py <<'PY'
import os, sys
inos = []
for name, n in (("gone", 100), ("new", 300), ("rel", 50)):
    fd = os.open(name if name == "rel" else os.path.join(sys.argv[1], name), os.O_CREAT | os.O_WRONLY, 0o600)
    os.write(fd, b"r" * n)
    inos.append(os.fstat(fd).st_ino)
    os.close(fd)
    if name != "rel":
        os.unlink(os.path.join(sys.argv[1], name))
print("inode reused" if inos[0] == inos[1] else "inode not reused")
PY
traced python3 reuse.py "$WORK" >reuse.out || fail "reuse.py failed"
merge --dump
echo "reuse.py: $(cat reuse.out) by this file system"
expect_eq "deleted file: bytes written" "$(ev_sum "$WORK/gone" write | cut -d' ' -f2)" 100
expect_eq "next file on its inode: bytes written" "$(ev_sum "$WORK/new" write | cut -d' ' -f2)" 300
expect_eq "relative name: bytes written" "$(ev_sum "$WORK/rel" write | cut -d' ' -f2)" 50
echo "python and pipeline: all good"
