// SPDX-License-Identifier: GPL-2.0
/* iorec.bpf.c - kernel side of iorec's eBPF source.
 *
 * Syscall enter and exit are paired per thread in task-local storage, so
 * that each event leaves the kernel once, complete, with its latency.
 * Which syscalls are traced and how their arguments are read comes from
 * a spec table in rodata filled by the user side (ebpf_source.c), so the
 * BPF code knows no syscall numbers. io_uring requests are paired by
 * request pointer between the submit and complete tracepoints.
 *
 * Everything is tp_btf: no tracefs needed, and arguments arrive as typed
 * kernel pointers. Events are submitted without a wakeup; the user side
 * drains the ring buffer on a short timer (a wakeup per event costs more
 * than the probe itself, see docs).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "iorec.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- configuration, set through the skeleton's rodata before load ---- */
const volatile __u32 self_tgid = 0;     /* iorec itself: never traced */
const volatile __u8 trace_all = 0;      /* --all: every task, else followed ones */
const volatile __u8 filter_pids = 0;    /* pid_set holds the allowed tgids */
const volatile __u8 filter_tids = 0;
const volatile __u8 filter_comms = 0;
const volatile __u8 trace_uring = 1;
const volatile __u32 sys_spec[IOREC_NR_MAX] = {};
/* --path, applied at open to absolute clean paths (see path_verdict) */
const volatile __u32 nprefixes = 0;
const volatile __u32 prefix_len[IOREC_MAX_PREFIX] = {};
const volatile char prefixes[IOREC_MAX_PREFIX][IOREC_PREFIX_LEN] = {};

/* ---- maps ---- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); /* resized by --ringbuf-size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IOREC_C__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOREC_MAX_FILTER);
	__type(key, __u32);
	__type(value, __u8);
} pid_set SEC(".maps"), tid_set SEC(".maps");

struct comm_key {
	char comm[IOREC_COMM_LEN];
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOREC_MAX_FILTER);
	__type(key, struct comm_key);
	__type(value, __u8);
} comm_set SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} tstate SEC(".maps");

/* An io_uring request between submit and completion. */
struct uring_pending {
	__u64 ts;
	__s64 offset;
	__u64 size;
	__u32 pid;
	__u32 tid;
	__s32 fd;
	__u16 opcode;
	__u16 kflags;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct uring_pending);
} uring_reqs SEC(".maps");

/* A Linux AIO request between the io_submit that queued it and the
 * io_getevents that reaps it, keyed by process and the user address of
 * its control block (all the kernel hands back). */
struct aio_key {
	__u32 tgid;
	__u32 pad;
	__u64 cb;
};
struct aio_pending {
	__u64 ts;
	__s64 offset;
	__u64 size;
	__u64 ino;
	__u32 dev;
	__u32 tid;
	__s32 fd;
	__u16 opcode;
	__u16 kflags;
	__u8 ftype;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct aio_key);
	__type(value, struct aio_pending);
} aio_reqs SEC(".maps");

/* fds of a process opened outside --path: their calls are dropped. */
struct fd_key {
	__u32 tgid;
	__s32 fd;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fd_key);
	__type(value, __u8);
} fd_out SEC(".maps");

/* Scratch for events that carry a path (too big for the stack): the
 * path as given, then the base directory of a relative one. */
#define DATA_SIZE (2 * IOREC_PATH_MAX)
struct path_event {
	struct iorec_event ev;
	char data[DATA_SIZE + IOREC_NAME_MAX];
	__u64 stack[IOREC_MAX_DEPTH];
	/* walk state, kept here rather than on the stack so that the
	 * verifier sees unknown values and checks a loop body once */
	__u64 walk_d, walk_mnt;
	__s64 walk_depth, walk_off;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_event);
} scratch SEC(".maps");

/* ---- helpers ---- */
static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1; /* per-CPU slot: no atomic needed */
}

static __always_inline __u64 arg_at(const __u64 *a, __u32 i)
{
	switch (i) {
	case 0: return a[0];
	case 1: return a[1];
	case 2: return a[2];
	case 3: return a[3];
	case 4: return a[4];
	case 5: return a[5];
	}
	return 0;
}

static __always_inline void read_args(struct pt_regs *regs, __u64 *a)
{
#if defined(__TARGET_ARCH_x86)
	a[0] = regs->di;
	a[1] = regs->si;
	a[2] = regs->dx;
	a[3] = regs->r10;
	a[4] = regs->r8;
	a[5] = regs->r9;
#elif defined(__TARGET_ARCH_arm64)
	a[0] = regs->regs[0];
	a[1] = regs->regs[1];
	a[2] = regs->regs[2];
	a[3] = regs->regs[3];
	a[4] = regs->regs[4];
	a[5] = regs->regs[5];
#else
#error "iorec.bpf.c: add the syscall argument registers of this architecture"
#endif
}

/* O_DIRECT differs between architectures (uapi fcntl.h). */
#if defined(__TARGET_ARCH_arm64)
#define IOREC_O_DIRECT 0200000
#else
#define IOREC_O_DIRECT 040000
#endif

/* Typed view of a kernel pointer read as a number (kernel 6.2+): field
 * loads through it are plain memory loads with fault handling, several
 * times cheaper than one bpf_probe_read_kernel() call each. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* struct file * behind fd in task's table, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (!files || fd < 0)
		return NULL;
	fdt = files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	return bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
}

struct file_info {
	__u64 ino;
	__u32 dev;
	__u8 ftype;
	__u16 kflags;
};

/* f must come from fd_file() (or another typed pointer). */
static __always_inline void file_info(struct file *f, struct file_info *fi)
{
	struct inode *inode = f->f_inode;

	fi->ino = inode->i_ino;
	fi->dev = inode->i_sb->s_dev;
	fi->ftype = inode->i_mode >> 12;
	fi->kflags = IOREC_KF_FILE;
	if (f->f_flags & IOREC_O_DIRECT)
		fi->kflags |= IOREC_KF_DIRECT;
}

/* Does the current task pass --pid/--tid/--comm? iorec itself never. */
static __always_inline __u8 evaluate(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;

	if (tgid == self_tgid)
		return IOREC_T_OUT;
	if (filter_pids && !bpf_map_lookup_elem(&pid_set, &tgid))
		return IOREC_T_OUT;
	if (filter_tids && !bpf_map_lookup_elem(&tid_set, &tid))
		return IOREC_T_OUT;
	if (filter_comms) {
		struct comm_key k = {};

		bpf_get_current_comm(k.comm, sizeof(k.comm));
		if (!bpf_map_lookup_elem(&comm_set, &k))
			return IOREC_T_OUT;
	}
	return IOREC_T_IN;
}

/* The current task's state if it is traced, else NULL. In follow mode only
 * tasks marked at fork (or by the user side for the command) have state. */
static __always_inline struct task_state *traced_task(struct task_struct *task)
{
	struct task_state *st = bpf_task_storage_get(&tstate, task, 0, 0);

	if (!st && (task->flags & 0x10)) { /* PF_IO_WORKER, since 5.12 */
		/* io_uring's SQPOLL and worker threads are made by
		 * create_io_thread(), which sched_process_fork does not see:
		 * they belong to their process, as its leader is traced. */
		struct task_state *lst = bpf_task_storage_get(&tstate, task->group_leader, 0, 0);

		if (!lst || lst->verdict == IOREC_T_OUT || !(trace_all || lst->followed == IOREC_F_FOLLOWED))
			return NULL;
		st = bpf_task_storage_get(&tstate, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!st)
			return NULL;
		st->followed = lst->followed;
		st->verdict = lst->verdict == IOREC_T_IN ? IOREC_T_IN : IOREC_T_UNKNOWN;
	}
	if (!st) {
		if (!trace_all)
			return NULL;
		st = bpf_task_storage_get(&tstate, task, 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!st)
			return NULL;
	}
	if (st->verdict == IOREC_T_UNKNOWN)
		st->verdict = evaluate(bpf_get_current_pid_tgid());
	return st->verdict == IOREC_T_IN ? st : NULL;
}

/* ---- process tracking ---- */
/* A process event (fork, exit) for the user side's process and fd tables;
 * a full ring buffer counts it as lost, like any event. */
static __always_inline void emit_proc_event(__u32 type, __u32 pid, __u32 tid, __s64 result)
{
	struct iorec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(IOREC_C_LOST);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid;
	e->tid = tid;
	e->result = result;
	e->type = type;
	e->fd = -1;
	e->offset = -1;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_state *pst, *cst;

	pst = bpf_task_storage_get(&tstate, parent, 0, 0);
	if (parent->tgid == self_tgid || (pst && pst->followed == IOREC_F_OWN)) {
		/* Helpers iorec runs (--jobstats-cmd, ...) are its own I/O;
		 * the command is re-marked by the user side after the fork. */
		cst = bpf_task_storage_get(&tstate, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (cst) {
			cst->followed = IOREC_F_OWN;
			cst->verdict = IOREC_T_OUT;
		}
		return 0;
	}
	if (!pst || (pst->followed != IOREC_F_FOLLOWED && pst->verdict != IOREC_T_IN))
		return 0;
	if (!trace_all) { /* under --all children are evaluated at their first call */
		cst = bpf_task_storage_get(&tstate, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (cst) {
			cst->followed = IOREC_F_FOLLOWED;
			cst->verdict = IOREC_T_UNKNOWN;
		}
	}
	if (child->pid != child->tgid)
		return 0; /* a thread shares its process's fds: nothing to tell */
	/* A new process inherits its parent's fds: the user side copies its
	 * fd table so that inherited fds have names. */
	emit_proc_event(IOREC_EV_FORK, child->tgid, child->pid, parent->tgid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task)
{
	struct task_state *st = bpf_task_storage_get(&tstate, task, 0, 0);

	if (st && st->followed != IOREC_F_OWN)
		st->verdict = IOREC_T_UNKNOWN; /* comm changed: re-evaluate --comm */
	return 0;
}

/* ---- syscalls ---- */
SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct task_state *st;
	__u64 a[6];
	__u32 spec, i;

	if (id < 0 || id >= IOREC_NR_MAX)
		return 0;
	spec = sys_spec[id];
	if (!spec)
		return 0;
	task = bpf_get_current_task_btf();
#if defined(__TARGET_ARCH_x86)
	if (task->thread_info.status & 0x0002)
		return 0; /* TS_COMPAT: an ia32 syscall, whose numbers differ */
#endif
	st = traced_task(task);
	if (!st)
		return 0;
	read_args(regs, a);

	st->nr = id;
	st->spec = spec;
	st->kflags = 0;
	st->ftype = 0;
	st->ino = 0;
	st->dev = 0;
	st->file = 0;
	i = IOREC_SPEC_FD(spec);
	st->fd = i == IOREC_ARG_NONE ? -1 : (__s32)arg_at(a, i);
	if ((spec & IOREC_S_NEEDFD) && st->fd < 0)
		return 0;
	i = IOREC_SPEC_SIZE(spec);
	st->size = i == IOREC_ARG_NONE ? 0 : arg_at(a, i);
	i = IOREC_SPEC_OFF(spec);
	st->offset = i == IOREC_ARG_NONE ? -1 : (__s64)arg_at(a, i);
	i = IOREC_SPEC_FLAGS(spec);
	st->flags = i == IOREC_ARG_NONE ? 0 : arg_at(a, i);
	i = IOREC_SPEC_PATH(spec);
	st->path = i == IOREC_ARG_NONE ? 0 : arg_at(a, i);
	st->aux = 0;
	if (spec & IOREC_S_IOV)
		st->aux = a[1];
	if (spec & IOREC_S_HOW) {
		st->aux = st->flags;
		st->flags = 0;
	}
	if (spec & IOREC_S_OFFPTR) {
		st->aux = (__u64)st->offset;
		st->offset = -1;
	}
	if (spec & IOREC_S_AIO_SUBMIT)
		st->aux = a[2]; /* struct iocb *[nr] */
	if (spec & IOREC_S_AIO_REAP)
		st->aux = a[3]; /* struct io_event [] */
	if ((spec & IOREC_S_FILE) && st->fd >= 0) {
		struct file *f = fd_file(task, st->fd);

		if (f) {
			struct file_info fi;

			file_info(f, &fi);
			st->file = (__u64)f;
			st->ino = fi.ino;
			st->dev = fi.dev;
			st->ftype = fi.ftype;
			st->kflags = fi.kflags;
			if ((spec & IOREC_S_FPOS) && st->offset == -1) {
				st->offset = f->f_pos;
				st->kflags |= IOREC_KF_OFF_FPOS;
			}
		}
	}
	st->ts = bpf_ktime_get_ns();
	st->in_call = 1;
	return 0;
}

/* Sum of the iovec lengths (first 32), read at exit when the kernel has
 * already copied the array, so the pages are resident. Global functions
 * like this one are verified once, apart from their callers, which keeps
 * the exit program within the verifier's budget. */
__noinline __u64 iov_bytes(__u64 uiov, __u64 cnt)
{
	struct iovec iov;
	__u64 sum = 0;
	int i;

	for (i = 0; i < 32; i++) {
		if (i >= cnt)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(uiov + i * sizeof(iov))))
			break;
		sum += iov.iov_len;
	}
	return sum;
}

enum { PATH_IN = 0, PATH_OUT = 1, PATH_UNSURE = 2 };

/* Is the path in the scratch event (len bytes with the NUL) under a
 * --path prefix (iot_path_under)? Only absolute paths without "//" or "/." can be judged
 * here, because the user side compares the folded path: the rest is
 * PATH_UNSURE. */
__noinline int path_verdict(long len)
{
	__u32 zero = 0;
	struct path_event *pe = bpf_map_lookup_elem(&scratch, &zero);
	int i, j;

	if (!pe || pe->data[0] != '/' || len > IOREC_CLEAN_SCAN)
		return PATH_UNSURE;
	for (i = 0; i < IOREC_CLEAN_SCAN - 1; i++) {
		if (i + 1 >= len)
			break;
		if (pe->data[i] == '/' && (pe->data[i + 1] == '/' || pe->data[i + 1] == '.'))
			return PATH_UNSURE;
	}
	for (j = 0; j < IOREC_MAX_PREFIX; j++) {
		__u32 plen = prefix_len[j];
		int match = 1;

		if (j >= nprefixes)
			break;
		if (!plen || plen >= IOREC_PREFIX_LEN || plen + 1 > len)
			continue;
		for (i = 0; i < IOREC_PREFIX_LEN; i++) {
			if (i >= plen)
				break;
			if (pe->data[i] != prefixes[j][i]) {
				match = 0;
				break;
			}
		}
		/* whole components: /scratch is not /scratch2 */
		if (match && (pe->data[plen] == 0 || pe->data[plen] == '/' ||
			      prefixes[j][plen - 1] == '/'))
			return PATH_IN;
	}
	return PATH_OUT;
}

static __always_inline int fd_is_out(__u32 tgid, __s32 fd)
{
	struct fd_key k = { tgid, fd };

	return fd >= 0 && bpf_map_lookup_elem(&fd_out, &k) != NULL;
}

static __always_inline void fill_event(struct iorec_event *e, struct task_state *st,
				       __u64 now, long ret, __u64 pid_tgid)
{
	e->ts_ns = st->ts;
	e->dur_ns = now - st->ts;
	e->offset = st->offset;
	e->size = st->size;
	e->result = ret;
	e->ino = st->ino;
	e->dev = st->dev;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->fd = st->fd;
	e->flags = (__u32)st->flags;
	e->nr = st->nr;
	e->type = IOREC_EV_SYSCALL;
	e->ftype = st->ftype;
	e->path_len = 0;
	e->base_len = 0;
	e->pad = 0;
	e->kflags = st->kflags;
}

/* Naming the base directory of a relative path: walk d_parent up to
 * each mount's root, crossing into the parent mount, as d_path() does
 * (without chroot or namespace roots). The loops run under bpf_loop()
 * (kernel 5.17+) so that the verifier checks their bodies once. */
static struct path_event *scratch_event(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static long walk_up(__u64 i, void *unused)
{
	struct path_event *pe = scratch_event();
	struct dentry *d, *parent;
	struct mount *m;

	if (!pe || !pe->walk_d || !pe->walk_mnt)
		return 1;
	d = bpf_rdonly_cast((void *)pe->walk_d, bpf_core_type_id_kernel(struct dentry));
	m = bpf_rdonly_cast((void *)pe->walk_mnt, bpf_core_type_id_kernel(struct mount));
	if (d == m->mnt.mnt_root) {
		struct mount *up = m->mnt_parent;

		if (!up || (__u64)up == pe->walk_mnt)
			return 1; /* the root of the mount tree */
		pe->walk_d = (__u64)m->mnt_mountpoint;
		pe->walk_mnt = (__u64)up;
		return 0;
	}
	parent = d->d_parent;
	if (!parent || (__u64)parent == pe->walk_d)
		return 1;
	if (pe->walk_depth < 0 || pe->walk_depth >= IOREC_MAX_DEPTH) {
		pe->ev.kflags |= IOREC_KF_BASE_TRUNC;
		return 1;
	}
	pe->stack[pe->walk_depth & (IOREC_MAX_DEPTH - 1)] = pe->walk_d;
	pe->walk_depth++;
	pe->walk_d = (__u64)parent;
	return 0;
}

static long write_down(__u64 i, void *unused)
{
	struct path_event *pe = scratch_event();
	struct dentry *d;
	long off, n;

	if (!pe)
		return 1;
	off = pe->walk_off;
	if ((long)i >= pe->walk_depth || off < 0 || off > DATA_SIZE - IOREC_NAME_MAX - 2)
		return 1;
	d = bpf_rdonly_cast((void *)pe->stack[(pe->walk_depth - 1 - i) & (IOREC_MAX_DEPTH - 1)],
			    bpf_core_type_id_kernel(struct dentry));
	pe->data[off & (DATA_SIZE - 1)] = '/';
	off = (off + 1) & (DATA_SIZE - 1);
	n = bpf_probe_read_kernel_str(&pe->data[off], IOREC_NAME_MAX, d->d_name.name);
	if (n > 1)
		off += n - 1;
	pe->walk_off = off;
	return 0;
}

/* Write the absolute name of (dentry, vfsmount) at scratch->data[off];
 * returns the bytes written with the NUL, 0 on failure. */
__noinline long walk_path(__u64 dentry, __u64 vfsmount, long off)
{
	struct path_event *pe = scratch_event();
	long end;

	if (!pe || !dentry || !vfsmount || off < 0 || off >= IOREC_PATH_MAX)
		return 0;
	pe->walk_d = dentry;
	pe->walk_mnt = vfsmount - bpf_core_field_offset(struct mount, mnt);
	pe->walk_depth = 0;
	pe->walk_off = off;
	bpf_loop(2 * IOREC_MAX_DEPTH, walk_up, NULL, 0);
	if (pe->walk_depth == 0)
		pe->data[pe->walk_off++ & (DATA_SIZE - 1)] = '/';
	else
		bpf_loop(IOREC_MAX_DEPTH, write_down, NULL, 0);
	end = pe->walk_off;
	pe->data[end & (DATA_SIZE - 1)] = 0;
	return end + 1 - off;
}

/* ---- Linux AIO: io_submit queues, io_getevents reaps ---- */
struct aio_walk {
	__u64 uptr; /* the iocb pointer array, or the io_event array */
	__u64 ts;   /* io_submit's entry */
	__u64 now;
	__u64 pid_tgid;
};

/* The i-th request of an io_submit that the kernel accepted (so its
 * control block was readable): remember what it asks for. */
static long aio_queue_one(__u64 i, void *ctx)
{
	struct aio_walk *w = ctx;
	struct aio_pending p = {};
	struct aio_key k = { w->pid_tgid >> 32, 0, 0 };
	struct iocb cb;
	struct file *f;

	if (bpf_probe_read_user(&k.cb, sizeof(k.cb), (void *)(w->uptr + i * sizeof(__u64))) ||
	    bpf_probe_read_user(&cb, sizeof(cb), (void *)k.cb))
		return 0;
	switch (cb.aio_lio_opcode) {
	case 0: case 1: case 7: case 8: /* PREAD, PWRITE, PREADV, PWRITEV */
		p.offset = cb.aio_offset;
		p.size = cb.aio_nbytes;
		if (cb.aio_lio_opcode >= 7) {
			if (cb.aio_nbytes > 32)
				p.kflags |= IOREC_KF_IOV_TRUNC;
			p.size = iov_bytes(cb.aio_buf, cb.aio_nbytes);
		}
		break;
	case 2: case 3: /* FSYNC, FDSYNC */
		p.offset = -1;
		break;
	default: /* POLL, NOOP: no I/O */
		return 0;
	}
	p.fd = (__s32)cb.aio_fildes;
	if (nprefixes && fd_is_out(k.tgid, p.fd)) {
		count(IOREC_C_PATH_DROP);
		return 0;
	}
	p.ts = w->ts;
	p.tid = (__u32)w->pid_tgid;
	p.opcode = cb.aio_lio_opcode;
	f = fd_file(bpf_get_current_task_btf(), p.fd);
	if (f) {
		struct file_info fi;

		file_info(f, &fi);
		p.ino = fi.ino;
		p.dev = fi.dev;
		p.ftype = fi.ftype;
		p.kflags |= fi.kflags;
	}
	bpf_map_update_elem(&aio_reqs, &k, &p, BPF_ANY);
	return 0;
}

/* The i-th event io_getevents returned: the request it ends, from its
 * io_submit to now. */
static long aio_reap_one(__u64 i, void *ctx)
{
	struct aio_walk *w = ctx;
	struct aio_key k = { w->pid_tgid >> 32, 0, 0 };
	struct aio_pending *p;
	struct iorec_event *e;
	struct io_event ev;

	if (bpf_probe_read_user(&ev, sizeof(ev), (void *)(w->uptr + i * sizeof(ev))))
		return 1;
	k.cb = ev.obj;
	p = bpf_map_lookup_elem(&aio_reqs, &k);
	if (!p) {
		count(IOREC_C_AIO_UNMATCHED); /* queued before recording started */
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(IOREC_C_LOST);
		bpf_map_delete_elem(&aio_reqs, &k);
		return 0;
	}
	e->ts_ns = p->ts;
	e->dur_ns = w->now - p->ts;
	e->offset = p->offset;
	e->size = p->size;
	e->result = ev.res;
	e->ino = p->ino;
	e->dev = p->dev;
	e->pid = k.tgid;
	e->tid = p->tid;
	e->fd = p->fd;
	e->flags = 0;
	e->nr = p->opcode;
	e->type = IOREC_EV_AIO;
	e->ftype = p->ftype;
	e->path_len = 0;
	e->kflags = p->kflags;
	e->base_len = 0;
	e->pad = 0;
	bpf_map_delete_elem(&aio_reqs, &k);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	count(IOREC_C_EVENTS);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *st = bpf_task_storage_get(&tstate, task, 0, 0);
	__u64 now, pid_tgid;
	__u32 spec;

	if (!st || !st->in_call)
		return 0;
	now = bpf_ktime_get_ns();
	st->in_call = 0;
	spec = st->spec;
	pid_tgid = bpf_get_current_pid_tgid();

	if (spec & (IOREC_S_AIO_SUBMIT | IOREC_S_AIO_REAP)) {
		struct aio_walk w = { st->aux, st->ts, now, pid_tgid };
		__u32 n = ret > 65536 ? 65536 : ret > 0 ? (__u32)ret : 0;

		if (!w.uptr || !n)
			return 0;
		if (spec & IOREC_S_AIO_SUBMIT)
			bpf_loop(n, aio_queue_one, &w, 0);
		else
			bpf_loop(n, aio_reap_one, &w, 0);
		return 0;
	}
	if ((spec & IOREC_S_FPOS) && (st->kflags & IOREC_KF_OFF_FPOS) && ret > 0 && st->file &&
	    (st->ftype == 8 || st->ftype == 6)) { /* S_IFREG, S_IFBLK: seekable */
		/* The position after the call minus the bytes moved is where
		 * the call really read or wrote, also under O_APPEND. */
		struct file *f = bpf_rdonly_cast((void *)st->file,
						 bpf_core_type_id_kernel(struct file));
		__s64 pos = f->f_pos;

		st->offset = pos - ret;
	}
	if ((spec & IOREC_S_IOV) && st->aux) {
		if (st->size > 32)
			st->kflags |= IOREC_KF_IOV_TRUNC;
		st->size = iov_bytes(st->aux, st->size);
	}
	if ((spec & IOREC_S_HOW) && st->aux) {
		__u64 fl = 0;

		bpf_probe_read_user(&fl, sizeof(fl), (void *)st->aux);
		st->flags = fl;
	}
	if ((spec & IOREC_S_OFFPTR) && st->aux) {
		__s64 off = -1;

		if (!bpf_probe_read_user(&off, sizeof(off), (void *)st->aux))
			st->offset = off; /* the kernel advanced it: value after */
	}
	if ((spec & IOREC_S_RESFD) && ret >= 0) {
		struct file *f = fd_file(task, (int)ret);

		if (f) {
			struct file_info fi;

			file_info(f, &fi);
			st->ino = fi.ino;
			st->dev = fi.dev;
			st->ftype = fi.ftype;
			st->kflags |= fi.kflags;
		}
	}

	if (nprefixes) {
		__u32 tgid = pid_tgid >> 32;
		struct fd_key k = { tgid, st->fd };

		if ((spec & IOREC_S_FILE) && fd_is_out(tgid, st->fd)) {
			if (spec & IOREC_S_RESFD && ret >= 0) { /* dup of an excluded fd */
				struct fd_key nk = { tgid, (__s32)ret };
				__u8 one = 1;

				bpf_map_update_elem(&fd_out, &nk, &one, BPF_ANY);
			}
			if (spec & IOREC_S_CLOSE)
				bpf_map_delete_elem(&fd_out, &k);
			count(IOREC_C_PATH_DROP);
			return 0;
		}
		if ((spec & IOREC_S_RESFD) && ret >= 0) { /* a new fd: not excluded (yet) */
			struct fd_key nk = { tgid, (__s32)ret };

			bpf_map_delete_elem(&fd_out, &nk);
		}
	}

	if (st->path) {
		__u32 zero = 0;
		struct path_event *pe = bpf_map_lookup_elem(&scratch, &zero);
		long len, blen = 0;

		if (!pe)
			return 0;
		fill_event(&pe->ev, st, now, ret, pid_tgid);
		len = bpf_probe_read_user_str(pe->data, IOREC_PATH_MAX, (void *)st->path);
		if (len <= 0) {
			pe->ev.kflags |= IOREC_KF_PATH_FAIL;
			pe->data[0] = 0;
			len = 1;
		}
		if (len > IOREC_PATH_MAX)
			len = IOREC_PATH_MAX;
		if (nprefixes && path_verdict(len) == PATH_OUT) {
			if ((spec & IOREC_S_RESFD) && ret >= 0) {
				struct fd_key nk = { pid_tgid >> 32, (__s32)ret };
				__u8 one = 1;

				bpf_map_update_elem(&fd_out, &nk, &one, BPF_ANY);
			}
			count(IOREC_C_PATH_DROP);
			return 0;
		}
		if (pe->data[0] != '/' && len > 1) {
			/* Relative: name its base now, while the cwd or dirfd
			 * still exists (the process may be gone when we drain). */
			struct file *df = NULL;
			__u64 dentry = 0, mnt = 0;

			if (IOREC_SPEC_FD(spec) != IOREC_ARG_NONE && st->fd >= 0)
				df = fd_file(task, st->fd);
			/* (read as numbers: a global function takes scalars) */
			if (df) {
				dentry = (__u64)BPF_CORE_READ(df, f_path.dentry);
				mnt = (__u64)BPF_CORE_READ(df, f_path.mnt);
			} else {
				dentry = (__u64)BPF_CORE_READ(task, fs, pwd.dentry);
				mnt = (__u64)BPF_CORE_READ(task, fs, pwd.mnt);
			}
			blen = walk_path(dentry, mnt, len);
		}
		if (blen < 0 || blen > IOREC_PATH_MAX)
			blen = 0;
		pe->ev.path_len = len;
		pe->ev.base_len = blen;
		len += blen;
		if (len < 1 || len > DATA_SIZE)
			return 0;
		if (bpf_ringbuf_output(&events, pe, sizeof(pe->ev) + len, BPF_RB_NO_WAKEUP))
			count(IOREC_C_LOST);
		else
			count(IOREC_C_EVENTS);
		return 0;
	}

	struct iorec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(IOREC_C_LOST);
		return 0;
	}
	fill_event(e, st, now, ret, pid_tgid);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	count(IOREC_C_EVENTS);
	return 0;
}

/* ---- io_uring (tracepoints since 5.5; these signatures since 6.0) ---- */
static __always_inline int uring_is_rw(__u8 op)
{
	/* READV, WRITEV, READ_FIXED, WRITE_FIXED, READ, WRITE (uapi values) */
	return op == 1 || op == 2 || op == 4 || op == 5 || op == 22 || op == 23;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct uring_pending p = {};
	__u64 key = (__u64)req, pid_tgid;
	__u8 op;

	if (!trace_uring || !traced_task(task))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	op = BPF_CORE_READ(req, opcode);
	p.ts = bpf_ktime_get_ns();
	p.pid = pid_tgid >> 32;
	p.tid = (__u32)pid_tgid;
	p.opcode = op;
	p.fd = BPF_CORE_READ(req, cqe.fd);
	p.offset = -1;
	if (BPF_CORE_READ(req, flags) & 1) /* REQ_F_FIXED_FILE, bit 0 since 5.1 */
		p.kflags |= IOREC_KF_FIXED;
	if (uring_is_rw(op)) {
		struct io_rw *rw = (struct io_rw *)req;
		__u32 len = BPF_CORE_READ(rw, len);

		p.offset = BPF_CORE_READ(rw, kiocb.ki_pos);
		if (op == 1 || op == 2) {
			if (len > 32)
				p.kflags |= IOREC_KF_IOV_TRUNC;
			p.size = iov_bytes(BPF_CORE_READ(rw, addr), len);
		} else {
			p.size = len;
		}
	}
	bpf_map_update_elem(&uring_reqs, &key, &p, BPF_ANY);
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_complete, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	__u64 key = (__u64)req;
	struct uring_pending *p;
	struct iorec_event *e;
	struct file *f;

	if (!trace_uring)
		return 0;
	p = bpf_map_lookup_elem(&uring_reqs, &key);
	if (!p)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(IOREC_C_LOST);
		bpf_map_delete_elem(&uring_reqs, &key);
		return 0;
	}
	e->ts_ns = p->ts;
	e->dur_ns = bpf_ktime_get_ns() - p->ts;
	e->offset = p->offset;
	e->size = p->size;
	e->result = BPF_CORE_READ(cqe, res);
	e->pid = p->pid;
	e->tid = p->tid;
	e->fd = p->fd;
	e->flags = 0;
	e->nr = p->opcode;
	e->type = IOREC_EV_URING;
	e->path_len = 0;
	e->kflags = p->kflags;
	e->ino = 0;
	e->dev = 0;
	e->ftype = 0;
	f = BPF_CORE_READ((struct io_kiocb *)req, file);
	if (f) {
		f = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file)); /* assigned by now, also for fixed files */
		struct file_info fi;

		file_info(f, &fi);
		e->ino = fi.ino;
		e->dev = fi.dev;
		e->ftype = fi.ftype;
		e->kflags |= fi.kflags;
	}
	bpf_map_delete_elem(&uring_reqs, &key);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	count(IOREC_C_EVENTS);
	return 0;
}

/* Process exit: lets the user side close its fd table and note the exit. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	struct task_state *st;

	if (task->pid != task->tgid)
		return 0; /* only the group leader: one record per process */
	st = bpf_task_storage_get(&tstate, task, 0, 0);
	if (!st || st->verdict != IOREC_T_IN)
		return 0;
	emit_proc_event(IOREC_EV_EXIT, task->tgid, task->pid, task->exit_code);
	return 0;
}
