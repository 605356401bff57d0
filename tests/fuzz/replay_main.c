/*
 * replay_main: runs a libFuzzer harness over its committed corpus, so that
 * `make check` replays every corpus file in an ordinary build (and under
 * ASan/UBSan with --enable-sanitizers). With arguments, each is a file or a
 * directory to replay; without, the corpus directory compiled in as
 * FUZZ_CORPUS. Prints "N passed, N failed": a crash is the failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long len;
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)len + 1)) != NULL &&
	    fread(data, 1, (size_t)len, f) == (size_t)len) {
		LLVMFuzzerTestOneInput(data, (size_t)len);
		rc = 0;
	}
	free(data);
	fclose(f);
	return rc;
}

static int
replay_path(const char *path, int *n)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	char sub[4096];
	int rc = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: cannot stat\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*n)++;
		return replay_file(path);
	}
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (replay_path(sub, n) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	int n = 0, rc = 0;

	if (argc < 2) {
#ifdef FUZZ_CORPUS
		rc = replay_path(FUZZ_CORPUS, &n);
#else
		fprintf(stderr, "usage: %s corpus-dir-or-file...\n", argv[0]);
		return 2;
#endif
	}
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &n) != 0)
			rc = -1;
	if (n == 0) {
		fprintf(stderr, "replay: empty corpus\n");
		printf("0 passed, 1 failed\n");
		return 1;
	}
	/* Reaching here means no input crashed the harness. */
	printf("%d passed, %d failed\n", rc == 0 ? n : 0, rc == 0 ? 0 : 1);
	return rc == 0 ? 0 : 1;
}
