/*
 * Replays a libFuzzer target over files given on the command line (or every
 * file in a directory), so fuzz targets run as ordinary tests without clang.
 * Also feeds a few thousand deterministic pseudo-random mutations of each
 * seed, which is cheap and catches the shallow crashes.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void run_mutations(const uint8_t *seed, size_t n)
{
	uint8_t *m = malloc(n + 64);
	if (!m)
		abort();
	for (int round = 0; round < 2000; round++) {
		size_t len = n;
		memcpy(m, seed, n);
		int edits = 1 + (int)(next_rand() % 4);
		for (int e = 0; e < edits; e++) {
			uint64_t r = next_rand();
			switch (r % 4) {
			case 0: if (len) m[r / 4 % len] = (uint8_t)(r >> 32); break;
			case 1: if (len) len = (size_t)(r / 4 % len); break;
			case 2: if (len < n + 64) m[len++] = (uint8_t)(r >> 40); break;
			case 3: if (len > 1) { size_t i = r / 4 % len; m[i] = m[len - 1 - i]; } break;
			}
		}
		LLVMFuzzerTestOneInput(m, len);
	}
	free(m);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	uint8_t *data = malloc(1 << 20);
	if (!data)
		abort();
	size_t n = fread(data, 1, 1 << 20, f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	run_mutations(data, n);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, rc = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc |= run_file(argv[i]);
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
			rc |= run_file(p);
			files++;
		}
		if (d)
			closedir(d);
	}
	if (files == 0) {
		fprintf(stderr, "no corpus files given\n");
		return 1;
	}
	printf("replayed %d corpus files with mutations\n", files);
	return rc;
}
