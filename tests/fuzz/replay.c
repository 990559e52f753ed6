/*
 * replay.c - run a fuzz target without libFuzzer: make test links each
 * tests/fuzz/fuzz_NAME.c with this main, built like the unit tests (so
 * with gcc, and under the sanitizers with SANITIZE=1), and it feeds the
 * target every file of tests/fuzz/corpus/NAME (the seeds) and of
 * tests/fuzz/regress/NAME (every input a fuzzer ever crashed on, kept so
 * the bug stays fixed). A target aborts on a wrong answer, so a failure is
 * a dead process, which tests/run counts. Prints TAP, one line per
 * directory.
 *
 * Usage: replay_fuzz_NAME [DIR...]   default: the two directories above,
 * relative to the top of the tree (where make runs).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

/* The whole file at path, malloc'd (at least one byte); NULL on error. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	uint8_t *buf = NULL, *bigger;
	size_t cap = 0, got = 0, r;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	do {
		if (got == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((bigger = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = bigger;
		}
		r = fread(buf + got, 1, cap - got, f);
		got += r;
	} while (r > 0);
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = got;
	return buf;
}

/* Feed every regular file in dir; a missing dir is an empty one. */
static int
replay(const char *dir)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	int files = 0;
	uint8_t *data;
	size_t len;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT) {
			printf("ok %d - %s: no inputs # SKIP\n", ++n, dir);
			return 0;
		}
		printf("not ok %d - %s: %s\n", ++n, dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if ((data = slurp(path, &len)) == NULL) {
			printf("not ok %d - %s: %s\n", ++n, path,
			    strerror(errno));
			closedir(d);
			return 1;
		}
		/* Named first: if the target dies, the log says on what. */
		printf("replaying %s\n", path);
		fflush(stdout);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		files++;
	}
	closedir(d);
	printf("ok %d - %s: %d inputs\n", ++n, dir, files);
	return 0;
}

int
main(int argc, char *argv[])
{
	char corpus[256], regress[256];
	const char *name = FUZZ_NAME;
	int i, bad = 0;

	if (strncmp(name, "fuzz_", 5) == 0)
		name += 5;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			bad |= replay(argv[i]);
	} else {
		snprintf(corpus, sizeof(corpus), "tests/fuzz/corpus/%s", name);
		snprintf(regress, sizeof(regress), "tests/fuzz/regress/%s",
		    name);
		bad |= replay(corpus);
		bad |= replay(regress);
	}
	printf("1..%d\n", n);
	return bad;
}
