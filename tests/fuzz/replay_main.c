/* Replays a fuzz corpus without a fuzzing engine: every file named on the
 * command line (directories are walked one level) is fed once to
 * LLVMFuzzerTestOneInput. Built with ASan/UBSan by `make check`, so a
 * saved crash input fails the test suite. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	uint8_t tmp[65536];
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (len + n > cap) {
			cap = (len + n) * 2;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return 1;
			}
			buf = nb;
		}
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	/* Copy into an exact-size allocation so ASan sees reads past the end. */
	uint8_t *exact = malloc(len ? len : 1);
	if (len)
		memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, errors = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			errors++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			errors += replay_file(argv[i]);
			files++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", argv[i], de->d_name);
			errors += replay_file(p);
			files++;
		}
		if (d)
			closedir(d);
	}
	printf("replayed %d inputs, %d errors\n", files, errors);
	return errors || files == 0;
}
