/* ebpf_event.c - kernel event -> struct iot_io_event. */
#include "record/ebpf/ebpf_event.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "record/ebpf/ebpf_syscalls.h"

static unsigned file_type(const struct iorec_event *e)
{
	if (!(e->kflags & IOREC_KF_FILE))
		return IOT_FT_UNKNOWN;
	if (!e->ftype)
		return IOT_FT_ANON; /* anonymous inodes have no S_IFMT bits */
	return iot_file_type_from_mode((unsigned)e->ftype << 12);
}

static uint16_t uring_op(unsigned opcode)
{
	switch (opcode) {
	case 1: case 4: case 22: case 60: /* READV, READ_FIXED, READ, READV_FIXED */
		return IOT_OP_IOURING_READ;
	case 2: case 5: case 23: case 61:
		return IOT_OP_IOURING_WRITE;
	case 3:
		return IOT_OP_IOURING_FSYNC;
	default:
		return IOT_OP_IOURING_OTHER;
	}
}

static uint16_t aio_op(unsigned opcode)
{
	switch (opcode) {
	case 0: case 7: /* IOCB_CMD_PREAD, IOCB_CMD_PREADV */
		return IOT_OP_AIO_READ;
	case 1: case 8:
		return IOT_OP_AIO_WRITE;
	default: /* IOCB_CMD_FSYNC, IOCB_CMD_FDSYNC: the kernel side keeps no others */
		return IOT_OP_AIO_FSYNC;
	}
}

static void transfer_flags(struct iot_io_event *io, unsigned ftype)
{
	enum iot_op_category cat = iot_op_category(io->op);

	if (cat != IOT_CAT_READ && cat != IOT_CAT_WRITE)
		return;
	if (ftype == IOT_FT_FIFO || ftype == IOT_FT_SOCK || ftype == IOT_FT_ANON)
		io->offset = -1; /* no file position on these */
	else if (io->offset < 0)
		io->eflags |= IOT_EV_OFFSET_UNKNOWN;
	if (io->result >= 0 && (uint64_t)io->result < io->size)
		io->eflags |= IOT_EV_PARTIAL;
}

int ebpf_event_to_io(const struct iorec_event *e, const char *path, const char *base,
		     struct fdtable *fds, struct iot_io_event *out)
{
	struct fd_ident id = { makedev(e->dev >> 20, e->dev & 0xfffff), e->ino, file_type(e) };
	const struct ebpf_syscall *sc = NULL;
	struct fd_file f = { 0, 0 };
	struct iot_io_event io = {
		.ts_ns = e->ts_ns, .dur_ns = e->dur_ns, .pid = e->pid, .tid = e->tid,
		.ftype = (uint8_t)id.type, .fd = e->fd, .flags = e->flags,
		.offset = e->offset, .size = e->size, .result = e->result,
	};

	if (!id.ino)
		id.dev = 0;
	if (e->kflags & IOREC_KF_DIRECT)
		io.eflags |= IOT_EV_DIRECT;
	if (e->type == IOREC_EV_URING) {
		io.op = uring_op(e->nr);
		io.source = IOT_SRC_IOURING;
		io.eflags |= IOT_EV_ASYNC;
		io.flags = e->nr; /* the io_uring opcode */
		if (e->kflags & IOREC_KF_FIXED) /* fd is a table index: go by inode */
			f = fdtable_inode(fds, &id);
		else
			f = fdtable_lookup(fds, e->pid, e->fd, &id);
		goto done;
	}
	if (e->type == IOREC_EV_AIO) {
		io.op = aio_op(e->nr);
		io.source = IOT_SRC_EBPF;
		io.eflags |= IOT_EV_ASYNC;
		io.flags = e->nr; /* the IOCB_CMD_* opcode */
		f = fdtable_lookup(fds, e->pid, e->fd, &id);
		goto done;
	}
	if (e->type != IOREC_EV_SYSCALL || !(sc = ebpf_syscall_by_nr(e->nr)))
		return -EINVAL;
	io.op = sc->op;
	io.source = IOT_SRC_EBPF;
	switch (sc->cls) {
	case EBPF_SC_OPEN:
		if (io.op == IOT_OP_CREAT)
			io.flags = O_CREAT | O_WRONLY | O_TRUNC;
		f = fdtable_open(fds, e->pid, IOREC_SPEC_FD(sc->spec) == IOREC_ARG_NONE
				 ? AT_FDCWD : e->fd, base, path ? path : "", (int)e->result, &id);
		io.fd = e->result >= 0 ? (int32_t)e->result : -1;
		break;
	case EBPF_SC_PATH:
		if (path && !path[0] && e->fd >= 0) { /* AT_EMPTY_PATH: acts on fd */
			f = fdtable_lookup(fds, e->pid, e->fd, &id);
			break;
		}
		f = fdtable_path(fds, e->pid, IOREC_SPEC_FD(sc->spec) == IOREC_ARG_NONE
				 ? AT_FDCWD : e->fd, base, path ? path : "");
		io.fd = -1;
		break;
	case EBPF_SC_DUP:
		f = fdtable_lookup(fds, e->pid, e->fd, &id);
		if (e->result >= 0)
			fdtable_dup(fds, e->pid, e->fd, (int)e->result);
		break;
	case EBPF_SC_CLOSE:
		f = fdtable_lookup(fds, e->pid, e->fd, &id);
		fdtable_close(fds, e->pid, e->fd);
		break;
	case EBPF_SC_CLOSE_RANGE:
		if (e->result == 0 && !(e->flags & 4)) /* CLOSE_RANGE_CLOEXEC only marks */
			fdtable_close_range(fds, e->pid, (unsigned)e->fd, (unsigned)e->size);
		break;
	case EBPF_SC_NONE:
		io.fd = -1;
		break;
	default:
		f = fdtable_lookup(fds, e->pid, e->fd, &id);
		if (io.op == IOT_OP_FCNTL && e->result >= 0 &&
		    (e->flags == F_DUPFD || e->flags == F_DUPFD_CLOEXEC))
			fdtable_dup(fds, e->pid, e->fd, (int)e->result);
		break;
	}
done:
	if (f.excluded || (!f.id && fdtable_filtering(fds)))
		return 0; /* outside --path, or no file at all under --path */
	io.file_id = f.id;
	transfer_flags(&io, id.type);
	*out = io;
	return 1;
}


int ebpf_sample_parse(const void *data, size_t size, struct iorec_event *e,
		      const char **path, const char **base)
{
	const char *p = (const char *)data + sizeof(*e);

	*path = *base = NULL;
	if (size < sizeof(*e))
		return -EINVAL;
	memcpy(e, data, sizeof(*e));
	if (!e->path_len && !e->base_len)
		return 0;
	if (!e->path_len || e->path_len > IOREC_PATH_MAX || e->base_len > IOREC_PATH_MAX ||
	    sizeof(*e) + e->path_len + e->base_len > size || p[e->path_len - 1] != 0 ||
	    (e->base_len && p[e->path_len + e->base_len - 1] != 0))
		return -EINVAL;
	*path = p;
	*base = e->base_len ? p + e->path_len : NULL;
	return 0;
}
