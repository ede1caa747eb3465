/* compat_call.c - makes one ia32 (int 0x80) syscall from a 64-bit
 * process: read(fd, buf, 4), whose ia32 number (3) is close's on x86_64.
 * The eBPF source must not record it as a close (it skips compat calls).
 * Prints the read's result; x86_64 only (elsewhere prints "skip"). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
			 -1, 0);
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
	long ret;

	if (buf == MAP_FAILED || fd < 0)
		return 1;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(3), "b"(fd), "c"(buf), "d"(4) : "memory");
	printf("%ld\n", ret);
	close(fd);
	return 0;
#else
	(void)argc, (void)argv;
	puts("skip");
	return 0;
#endif
}
