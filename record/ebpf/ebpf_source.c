/* ebpf_source.c - user side of iorec's eBPF source: open, configure
 * (rodata and filter maps), load, attach, drain, with one cleanup path.
 *
 * The kernel side submits events without waking us; poll() drains the
 * ring buffer every EBPF_DRAIN_NS (sooner when it was busy) and turns
 * reservation failures, counted per CPU in the kernel, into loss
 * records. */
#include "record/ebpf/ebpf_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "record/ebpf/ebpf_event.h"
#include "record/ebpf/ebpf_syscalls.h"
#include "iorec.skel.h"

struct ebpf_state {
	struct iorec_bpf *skel;
	struct ring_buffer *rb;
	struct fdtable *fds;
	struct iorec_ctx *ctx;
	int ncpus;
	uint64_t *lost_seen; /* per CPU, already written as loss records */
	uint64_t *percpu;    /* scratch for one per-CPU lookup */
	uint64_t events, dropped, bad;
	size_t ringbuf_bytes;
	uint32_t last_pid;
	int err;             /* first writer error */
	unsigned uring_ops;  /* EBPF_URING_BIT mask of asynchronous ops recorded */
	char missing[200];   /* programs switched off, for the metadata */
};

/* libbpf's print callback takes no user data: -vv is remembered here. */
static int libbpf_verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

size_t ebpf_ringbuf_size(size_t want)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), sz = page;

	if (!want)
		return EBPF_DEFAULT_RINGBUF;
	while (sz < want && sz < ((size_t)1 << 31)) /* max_entries is 32-bit */
		sz <<= 1;
	return sz;
}

/* ---- ring buffer and losses ---- */

static int on_sample(void *arg, void *data, size_t size)
{
	struct ebpf_state *st = arg;
	struct iorec_event e;
	struct iot_io_event io;
	const char *path = NULL, *base = NULL;
	int rc;

	if (ebpf_sample_parse(data, size, &e, &path, &base)) {
		st->bad++;
		return 0;
	}
	if (e.pid != st->last_pid) {
		/* first sight, or an exec since (read at most for 2 s) */
		iorec_note_process(st->ctx, e.pid);
		iorec_recheck_process(st->ctx, e.pid);
		if (e.type != IOREC_EV_FORK) /* a child copies its parent's table */
			fdtable_scan_once(st->fds, e.pid);
		st->last_pid = e.pid;
	}
	if (e.type == IOREC_EV_FORK) {
		/* The parent may have opened the fds it hands down before we
		 * looked: learn them now, while it most likely still lives. */
		fdtable_scan_once(st->fds, (uint32_t)e.result);
		fdtable_fork(st->fds, (uint32_t)e.result, e.pid);
		fdtable_scan_once(st->fds, e.pid); /* marks it: the copy is its table */
		return 0;
	}
	if (e.type == IOREC_EV_EXIT) {
		iorec_note_exit(st->ctx, e.pid, e.ts_ns, (int)e.result);
		fdtable_exit(st->fds, e.pid);
		return 0;
	}
	rc = ebpf_event_to_io(&e, path, base, st->fds, &io);
	if (rc < 0) {
		st->bad++;
		return 0;
	}
	if (rc == 0) {
		st->dropped++;
		return 0;
	}
	if ((io.eflags & IOT_EV_ASYNC) && !(st->uring_ops & EBPF_URING_BIT(io.op)))
		return 0; /* an io_uring or AIO op --syscalls did not ask for */
	rc = iot_writer_add_io(st->ctx->w, &io);
	if (rc < 0) {
		st->err = rc;
		return rc; /* stops this drain; poll() returns the error */
	}
	st->events++;
	return 0;
}

/* Write a loss record for what each CPU lost since the last look. */
static int write_losses(struct ebpf_state *st, uint64_t now_ns)
{
	__u32 key = IOREC_C_LOST;
	int fd = bpf_map__fd(st->skel->maps.counters);

	if (bpf_map_lookup_elem(fd, &key, st->percpu))
		return -errno;
	for (int cpu = 0; cpu < st->ncpus; cpu++) {
		uint64_t lost = st->percpu[cpu];
		struct iot_loss l = { .ts_ns = now_ns, .source = IOT_SRC_EBPF, .cpu = (uint32_t)cpu,
				      .reason = IOT_LOSS_RINGBUF_FULL };
		int rc;

		if (lost <= st->lost_seen[cpu])
			continue;
		l.count = lost - st->lost_seen[cpu];
		rc = iot_writer_add_loss(st->ctx->w, &l);
		if (rc < 0)
			return rc;
		st->lost_seen[cpu] = lost;
	}
	return 0;
}

static uint64_t counter_sum(struct ebpf_state *st, __u32 key)
{
	uint64_t n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(st->skel->maps.counters), &key, st->percpu))
		return 0;
	for (int cpu = 0; cpu < st->ncpus; cpu++)
		n += st->percpu[cpu];
	return n;
}

static uint64_t total_lost(const struct ebpf_state *st)
{
	uint64_t n = 0;

	for (int cpu = 0; cpu < st->ncpus; cpu++)
		n += st->lost_seen[cpu];
	return n;
}

/* ---- setup ---- */

static int has_tracepoint(const struct btf *vmlinux, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
}

/* Switch off programs whose tracepoint this kernel lacks. sys_enter and
 * sys_exit are required; the rest degrade with a note. */
static int probe_kernel(struct ebpf_state *st, char *why, size_t whylen)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	static const struct { const char *tp; const char *what; } optional[] = {
		{ "io_uring_submit_req", "io_uring (tracepoint io_uring_submit_req, kernel 6.0+)" },
		{ "io_uring_complete", "io_uring (tracepoint io_uring_complete)" },
		{ "sched_process_fork", "following children (sched_process_fork)" },
	};
	int rc = 0;

	if (!vmlinux) {
		snprintf(why, whylen, "no kernel BTF (/sys/kernel/btf/vmlinux): "
			 "the eBPF source needs CONFIG_DEBUG_INFO_BTF; try -s preload");
		return -ENOTSUP;
	}
	if (!has_tracepoint(vmlinux, "sys_enter") || !has_tracepoint(vmlinux, "sys_exit")) {
		snprintf(why, whylen, "kernel has no raw syscall tracepoints; try -s preload");
		rc = -ENOTSUP;
		goto out;
	}
	/* bpf_rdonly_cast (6.2) reads struct file cheaply; bpf_loop (5.17)
	 * names relative paths; task storage (5.11) pairs enter and exit. */
	if (btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) <= 0 ||
	    btf__find_by_name_kind(vmlinux, "bpf_loop", BTF_KIND_FUNC) <= 0) {
		snprintf(why, whylen, "the eBPF source needs Linux 6.2 or newer (bpf_rdonly_cast, "
			 "bpf_loop); try -s preload");
		rc = -ENOTSUP;
		goto out;
	}
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		if (has_tracepoint(vmlinux, optional[i].tp))
			continue;
		if (!strncmp(optional[i].tp, "io_uring", 8)) {
			bpf_program__set_autoload(st->skel->progs.on_uring_submit, false);
			bpf_program__set_autoload(st->skel->progs.on_uring_complete, false);
			st->skel->rodata->trace_uring = 0;
			st->uring_ops &= ~EBPF_URING_ALL;
		} else {
			bpf_program__set_autoload(st->skel->progs.on_fork, false);
		}
		if (!strstr(st->missing, optional[i].what))
			snprintf(st->missing + strlen(st->missing), sizeof(st->missing) - strlen(st->missing),
				 "%s%s", st->missing[0] ? "; " : "", optional[i].what);
	}
out:
	btf__free(vmlinux);
	return rc;
}

/* The kernel side drops calls on files outside --path when it can judge
 * the path itself; with more or longer prefixes only the user side does. */
static void set_path_prefixes(struct ebpf_state *st, const struct iorec_config *cfg)
{
	struct iorec_bpf__rodata *ro = st->skel->rodata;

	if (cfg->npaths == 0 || cfg->npaths > IOREC_MAX_PREFIX)
		return;
	for (size_t i = 0; i < cfg->npaths; i++)
		if (strlen(cfg->paths[i]) >= IOREC_PREFIX_LEN)
			return;
	for (size_t i = 0; i < cfg->npaths; i++) {
		ro->prefix_len[i] = (__u32)strlen(cfg->paths[i]);
		memcpy((char *)ro->prefixes[i], cfg->paths[i], ro->prefix_len[i]);
	}
	ro->nprefixes = (__u32)cfg->npaths;
}

static int configure(struct ebpf_state *st, const struct iorec_config *cfg, char *why, size_t whylen)
{
	struct iorec_bpf__rodata *ro = st->skel->rodata;
	char bad[64];
	unsigned uring;
	int n;

	n = ebpf_syscalls_select((uint32_t *)ro->sys_spec, IOREC_NR_MAX, cfg->syscalls,
				 cfg->nsyscalls, &uring, bad, sizeof(bad));
	if (n < 0) {
		snprintf(why, whylen, "--syscalls: unknown syscall or operation '%s'", bad);
		return n;
	}
	st->uring_ops = uring;
	set_path_prefixes(st, cfg);
	ro->trace_uring = (uring & EBPF_URING_ALL) != 0;
	ro->self_tgid = (__u32)getpid();
	ro->trace_all = (__u8)!!cfg->all;
	ro->filter_pids = cfg->npids > 0;
	ro->filter_tids = cfg->ntids > 0;
	ro->filter_comms = cfg->ncomms > 0;
	if (cfg->npids > IOREC_MAX_FILTER || cfg->ntids > IOREC_MAX_FILTER ||
	    cfg->ncomms > IOREC_MAX_FILTER) {
		snprintf(why, whylen, "at most %d values per --pid/--tid/--comm", IOREC_MAX_FILTER);
		return -E2BIG;
	}
	return bpf_map__set_max_entries(st->skel->maps.events,
					(__u32)ebpf_ringbuf_size(cfg->ringbuf_bytes));
}

static int fill_filters(struct ebpf_state *st, const struct iorec_config *cfg)
{
	__u8 one = 1;

	for (size_t i = 0; i < cfg->npids; i++)
		if (bpf_map__update_elem(st->skel->maps.pid_set, &cfg->pids[i], sizeof(__u32),
					 &one, 1, BPF_ANY))
			return -errno;
	for (size_t i = 0; i < cfg->ntids; i++)
		if (bpf_map__update_elem(st->skel->maps.tid_set, &cfg->tids[i], sizeof(__u32),
					 &one, 1, BPF_ANY))
			return -errno;
	for (size_t i = 0; i < cfg->ncomms; i++) {
		char key[IOREC_COMM_LEN] = { 0 };

		strncpy(key, cfg->comms[i], sizeof(key) - 1); /* the kernel keeps 15 chars */
		if (bpf_map__update_elem(st->skel->maps.comm_set, key, sizeof(key), &one, 1, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int has_bpf_caps(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	/* CAP_SYS_ADMIN (21), or CAP_BPF (39) with CAP_PERFMON (38) since 5.8 */
	return (eff >> 21 & 1) || ((eff >> 39 & 1) && (eff >> 38 & 1));
}

static int ebpf_available(const struct iorec_config *cfg, char *why, size_t whylen)
{
	(void)cfg;
	if (!has_bpf_caps()) {
		snprintf(why, whylen, "the eBPF source needs root (or CAP_BPF and CAP_PERFMON); "
			 "without them use -s preload");
		return 0;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, whylen, "no kernel BTF (/sys/kernel/btf/vmlinux); use -s preload");
		return 0;
	}
	return 1;
}

static void ebpf_destroy(void *state)
{
	struct ebpf_state *st = state;

	if (!st)
		return;
	ring_buffer__free(st->rb);
	iorec_bpf__destroy(st->skel); /* detaches and closes every program and map */
	fdtable_free(st->fds);
	free(st->lost_seen);
	free(st->percpu);
	free(st);
}

static int ebpf_init(void **state, struct iorec_ctx *ctx, char *why, size_t whylen)
{
	const struct iorec_config *cfg = ctx->cfg;
	struct ebpf_state *st = calloc(1, sizeof(*st));
	int rc;

	*state = NULL;
	if (!st)
		return -ENOMEM;
	st->ctx = ctx;
	st->ringbuf_bytes = ebpf_ringbuf_size(cfg->ringbuf_bytes);
	libbpf_verbose = cfg->verbose > 1;
	libbpf_set_print(libbpf_log);
	if (!ebpf_available(cfg, why, whylen)) {
		rc = -EPERM;
		goto fail;
	}
	st->ncpus = libbpf_num_possible_cpus();
	st->lost_seen = calloc((size_t)st->ncpus, sizeof(uint64_t));
	st->percpu = calloc((size_t)st->ncpus, sizeof(uint64_t));
	rc = fdtable_new(&st->fds, ctx->w, "/proc", cfg->paths, cfg->npaths);
	if (st->ncpus <= 0 || !st->lost_seen || !st->percpu || rc) {
		snprintf(why, whylen, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	st->skel = iorec_bpf__open();
	if (!st->skel) {
		rc = -errno;
		snprintf(why, whylen, "cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	rc = configure(st, cfg, why, whylen);
	if (!rc)
		rc = probe_kernel(st, why, whylen);
	if (rc)
		goto fail;
	rc = iorec_bpf__load(st->skel);
	if (rc) {
		snprintf(why, whylen, "cannot load the BPF programs: %s%s", strerror(-rc),
			 rc == -EPERM ? " (needs root or CAP_BPF+CAP_PERFMON; try -s preload)"
				      : " (run with -vv for the verifier log)");
		goto fail;
	}
	rc = fill_filters(st, cfg);
	if (!rc)
		rc = iorec_bpf__attach(st->skel);
	if (rc) {
		snprintf(why, whylen, "cannot attach the BPF programs: %s", strerror(-rc));
		goto fail;
	}
	st->rb = ring_buffer__new(bpf_map__fd(st->skel->maps.events), on_sample, st, NULL);
	if (!st->rb) {
		rc = -errno;
		snprintf(why, whylen, "cannot map the ring buffer: %s", strerror(errno));
		goto fail;
	}
	iot_writer_set_metaf(ctx->w, "source.ebpf.ringbuf_bytes", "%zu", ebpf_ringbuf_size(cfg->ringbuf_bytes));
	iot_writer_set_meta(ctx->w, "source.ebpf.io_uring", st->uring_ops & EBPF_URING_ALL ? "on" : "off");
	iot_writer_set_meta(ctx->w, "source.ebpf.aio", st->uring_ops & EBPF_AIO_ALL ? "on" : "off");
	if (st->missing[0]) {
		iot_writer_set_meta(ctx->w, "source.ebpf.missing", st->missing);
		if (!cfg->quiet)
			fprintf(stderr, "iorec: ebpf: this kernel lacks %s; recording without it\n",
				st->missing);
	}
	*state = st;
	return 0;
fail:
	ebpf_destroy(st);
	return rc < 0 ? rc : -EINVAL;
}

static int ebpf_prepare_child(void *state, struct iorec_ctx *ctx, struct iorec_env *env)
{
	(void)state, (void)ctx, (void)env;
	return 0;
}

/* Mark the command's task as followed (it was forked by iorec, so the
 * kernel side marked it as iorec's own); its children are marked by the
 * kernel side at fork. */
static int ebpf_start(void *state, struct iorec_ctx *ctx)
{
	struct ebpf_state *st = state;
	struct task_state ts = { .followed = IOREC_F_FOLLOWED };
	int pidfd, rc = 0;

	if (!ctx->target_pid)
		return 0;
	fdtable_scan(st->fds, (uint32_t)ctx->target_pid); /* what COMMAND inherits */
	/* Also under --all: the fork marked COMMAND as iorec's own. */
	pidfd = (int)syscall(SYS_pidfd_open, ctx->target_pid, 0);
	if (pidfd < 0)
		return -errno;
	if (bpf_map__update_elem(st->skel->maps.tstate, &pidfd, sizeof(pidfd), &ts,
				 sizeof(ts), BPF_ANY))
		rc = -errno;
	close(pidfd);
	return rc;
}

static int drain(struct ebpf_state *st, uint64_t now_ns)
{
	int n = ring_buffer__consume(st->rb);

	if (st->err)
		return st->err;
	if (n < 0)
		return n;
	return write_losses(st, now_ns) < 0 ? -EIO : n;
}

static int ebpf_poll(void *state, struct iorec_ctx *ctx, uint64_t now_ns, uint64_t *next_ns)
{
	struct ebpf_state *st = state;
	int n = drain(st, now_ns);

	(void)ctx;
	/* Drained again soon when it was an eighth full (a small
	 * --ringbuf-size), else every EBPF_DRAIN_NS: fewer wakeups of iorec
	 * mean fewer preemptions of the traced program on a busy node. */
	*next_ns = now_ns + ((uint64_t)n * sizeof(struct iorec_event) > st->ringbuf_bytes / 8
				     ? EBPF_DRAIN_NS / 10 : EBPF_DRAIN_NS);
	return n < 0 ? n : 0;
}

static int ebpf_stop(void *state, struct iorec_ctx *ctx)
{
	struct ebpf_state *st = state;
	int rc = drain(st, iot_now_mono_ns());

	iot_writer_set_metaf(ctx->w, "source.ebpf.events", "%llu", (unsigned long long)st->events);
	iot_writer_set_metaf(ctx->w, "source.ebpf.lost", "%llu", (unsigned long long)total_lost(st));
	if (ctx->cfg->npaths) {
		uint64_t in_kernel = counter_sum(st, IOREC_C_PATH_DROP);

		iot_writer_set_metaf(ctx->w, "source.ebpf.filtered_by_path", "%llu",
				     (unsigned long long)(st->dropped + in_kernel));
		iot_writer_set_metaf(ctx->w, "source.ebpf.filtered_in_kernel", "%llu",
				     (unsigned long long)in_kernel);
	}
	if (st->bad)
		iot_writer_set_metaf(ctx->w, "source.ebpf.bad_samples", "%llu", (unsigned long long)st->bad);
	uint64_t unmatched = counter_sum(st, IOREC_C_AIO_UNMATCHED);
	if (unmatched)
		iot_writer_set_metaf(ctx->w, "source.ebpf.aio_unmatched", "%llu",
				     (unsigned long long)unmatched);
	return rc < 0 ? rc : 0;
}

const struct iorec_source_ops iorec_source_ebpf = {
	.name = "ebpf",
	.kind = IOREC_SRC_EVENTS,
	.available = ebpf_available,
	.init = ebpf_init,
	.prepare_child = ebpf_prepare_child,
	.start = ebpf_start,
	.poll = ebpf_poll,
	.stop = ebpf_stop,
	.destroy = ebpf_destroy,
};
