/* mpi_io - test helper: MPI-IO with known bytes per rank.
 *
 *   mpirun -n N mpi_io FILE BLOCKS
 *
 * Rank r writes BLOCKS blocks of 64 KiB with independent
 * MPI_File_write_at, block i at block number i*N + r (the ranks' blocks
 * interleave), syncs, then every rank reads a contiguous 1/N of the file
 * with the collective MPI_File_read_at_all and checks its content. Each
 * rank prints "rank R pid P wrote W read R ok" (bytes as MPI counted
 * them) for the test to compare with the trace.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BS 65536

int main(int argc, char **argv)
{
	int rank, size, n = 0, count, bad = 0;
	long wrote = 0, got = 0;
	MPI_File fh;
	MPI_Status st;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		if (rank == 0)
			fprintf(stderr, "usage: mpirun -n N mpi_io FILE BLOCKS\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	char *buf = malloc((size_t)BS * n);
	if (!buf)
		MPI_Abort(MPI_COMM_WORLD, 1);
	if (MPI_File_open(MPI_COMM_WORLD, argv[1], MPI_MODE_CREATE | MPI_MODE_RDWR, MPI_INFO_NULL,
			  &fh) != MPI_SUCCESS) {
		fprintf(stderr, "mpi_io: cannot open %s\n", argv[1]);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	memset(buf, 'a' + rank % 26, BS);
	for (int i = 0; i < n; i++) {
		MPI_File_write_at(fh, (MPI_Offset)(i * size + rank) * BS, buf, BS, MPI_BYTE, &st);
		MPI_Get_count(&st, MPI_BYTE, &count);
		wrote += count;
	}
	MPI_File_sync(fh);
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_File_read_at_all(fh, (MPI_Offset)rank * n * BS, buf, n * BS, MPI_BYTE, &st);
	MPI_Get_count(&st, MPI_BYTE, &count);
	got = count;
	for (long b = 0; b < (long)n; b++) /* block rank*n + b was written by (rank*n + b) % size */
		bad |= memchr(buf + b * BS, 'a' + (int)((rank * n + b) % size) % 26, 1) != buf + b * BS;
	MPI_File_close(&fh);
	printf("rank %d pid %d wrote %ld read %ld %s\n", rank, (int)getpid(), wrote, got,
	       bad ? "bad" : "ok");
	free(buf);
	MPI_Finalize();
	return bad;
}
