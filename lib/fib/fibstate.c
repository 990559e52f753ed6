/*
 * fibstate.c - read and write fib-state(5) files.
 *
 * The reader works on the whole text in memory (a state file is a few
 * lines, with two numbers that may be long), one line at a time: blank and
 * comment lines are skipped, every other line is split into a key and one
 * value, and each defect is reported with its line number. Nothing is
 * stored into the caller's state until the whole file has been accepted.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fibstate.h"

#define HEADER "# fib-state(5): written by fib-serve and fib-snapshot.\n" \
	"# Edit it only while no fib-serve runs on it (fib-snapshot set does that).\n"

enum { K_A, K_B, K_SERVED, K_RESERVE, K_LISTEN, NKEYS };

static const char *const key_names[NKEYS] = {
	"a", "b", "served", "reserve", "listen"
};

static int
msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -1;
}

/* A token for a message: quoted, cut to 40 bytes so junk cannot flood it. */
static const char *
quote(char *buf, size_t n, const char *s, size_t len)
{
	if (len > 40)
		snprintf(buf, n, "'%.37s...'", s);
	else
		snprintf(buf, n, "'%.*s'", (int)len, s);
	return buf;
}

static int
find_key(const char *k, size_t len)
{
	int i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(key_names[i]) == len && memcmp(key_names[i], k, len) == 0)
			return i;
	return -1;
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* s[0..len) as a uint64_t no greater than max; -1 if it is more. */
static int
parse_count(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
is_port(const char *s, size_t len)
{
	uint64_t v;

	return len > 0 && len <= 5 && all_digits(s, len) &&
	    parse_count(s, len, 65535, &v) == 0;
}

/*
 * The address forms of SPEC "Addresses", by their shape only: a host name
 * is not resolved here (that may block, and a file is checked where the
 * name may not resolve); the server reports what the system says.
 */
static const char *
bad_address(const char *s, size_t len)
{
	const char *colon;
	size_t i;

	if (len == 0)
		return "empty address";
	if (len >= 5 && memcmp(s, "unix:", 5) == 0)
		return len == 5 ? "empty unix socket path" :
		    len - 5 >= 108 ? "unix socket path too long" : NULL;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL || close == s + 1)
			return "bad IPv6 address";
		if ((size_t)(close - s) + 1 >= len || close[1] != ':')
			return "missing ':PORT' after ']'";
		i = (size_t)(close - s) + 2;
		return is_port(s + i, len - i) ? NULL : "bad port (want 0-65535)";
	}
	colon = NULL;
	for (i = 0; i < len; i++)
		if (s[i] == ':') {
			if (colon != NULL)
				return "an IPv6 address needs brackets: [ADDR]:PORT";
			colon = s + i;
		}
	if (colon == NULL)
		return is_port(s, len) ? NULL : "bad port (want 0-65535)";
	if (colon == s)
		return "empty host";
	i = (size_t)(colon - s) + 1;
	return is_port(s + i, len - i) ? NULL : "bad port (want 0-65535)";
}

/*
 * Check v[0..len) as the value of key k; on success store it in s (if not
 * NULL). The reason, without file or line, goes to err.
 */
static int
take_value(tw_fibstate *s, int k, const char *v, size_t len, char *err,
    size_t errlen)
{
	char q[48];
	uint64_t n;
	const char *why;

	switch (k) {
	case K_A:
	case K_B:
		if (!all_digits(v, len))
			return msg(err, errlen, "%s: malformed number %s "
			    "(want decimal digits only)", key_names[k],
			    quote(q, sizeof(q), v, len));
		if (k == K_B) {
			size_t i = 0;

			while (i < len && v[i] == '0')
				i++;
			if (i == len)
				return msg(err, errlen, "b: is 0, and the "
				    "sequence would repeat a number");
		}
		if (s != NULL && tw_big_parse(k == K_A ? &s->a : &s->b, v,
		    len) == -1) {
			if (errlen > 0)
				snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		return 0;
	case K_SERVED:
	case K_RESERVE:
		if (!all_digits(v, len))
			return msg(err, errlen, "%s: malformed number %s "
			    "(want decimal digits only)", key_names[k],
			    quote(q, sizeof(q), v, len));
		if (parse_count(v, len, k == K_SERVED ? UINT64_MAX :
		    TW_FIBSTATE_RESERVE_MAX, &n) == -1)
			return msg(err, errlen, "%s: number too large (max "
			    "%llu)", key_names[k], k == K_SERVED ?
			    (unsigned long long)UINT64_MAX :
			    (unsigned long long)TW_FIBSTATE_RESERVE_MAX);
		if (s != NULL)
			*(k == K_SERVED ? &s->served : &s->reserve) = n;
		return 0;
	case K_LISTEN:
		if (len > TW_FIBSTATE_LISTEN_MAX)
			return msg(err, errlen, "listen: address too long");
		if ((why = bad_address(v, len)) != NULL)
			return msg(err, errlen, "listen: bad address %s: %s",
			    quote(q, sizeof(q), v, len), why);
		if (s != NULL) {
			memcpy(s->listen, v, len);
			s->listen[len] = '\0';
		}
		return 0;
	}
	return msg(err, errlen, "unknown key");
}

void
tw_fibstate_init(tw_fibstate *s)
{
	tw_big_init(&s->a);
	tw_big_init(&s->b);
	s->served = s->reserve = 0;
	s->listen[0] = '\0';
}

void
tw_fibstate_free(tw_fibstate *s)
{
	tw_big_free(&s->a);
	tw_big_free(&s->b);
}

int
tw_fibstate_copy(tw_fibstate *dst, const tw_fibstate *src)
{
	if (tw_big_copy(&dst->a, &src->a) == -1 ||
	    tw_big_copy(&dst->b, &src->b) == -1)
		return -1;
	dst->served = src->served;
	dst->reserve = src->reserve;
	memcpy(dst->listen, src->listen, sizeof(dst->listen));
	return 0;
}

int
tw_fibstate_advance(tw_fibstate *s, uint64_t n)
{
	uint64_t i;
	tw_big t;

	if (s->served > UINT64_MAX - n) {
		errno = EOVERFLOW;
		return -1;
	}
	/*
	 * Many steps: jump by fast doubling (bignum.h), as n additions of
	 * numbers that grow as they go would take long.
	 */
	if (n > 10000) {
		if (tw_big_advance(&s->a, &s->b, n) == -1)
			return -1;
	} else {
		for (i = 0; i < n; i++) {
			if (tw_big_add(&s->a, &s->b) == -1)
				return -1;
			t = s->a;
			s->a = s->b;
			s->b = t;
		}
	}
	s->served += n;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
tw_fibstate_parse(tw_fibstate *s, const char *name, const char *t,
    size_t len, char *err, size_t errlen)
{
	tw_fibstate tmp;
	size_t seen[NKEYS] = { 0 };	/* line of each key, 0: not yet */
	size_t line = 0, pos = 0, headed = 0;
	char why[256], q[48];
	int k;

	tw_fibstate_init(&tmp);
	while (pos < len) {
		const char *l = t + pos, *nl, *key, *val, *end;
		size_t n, klen, vlen;

		nl = memchr(l, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - l) : len - pos;
		pos += n + (nl != NULL);
		line++;
		end = l + n;

		if (memchr(l, '\0', n) != NULL) {
			msg(err, errlen, "%s:%zu: NUL byte in line", name, line);
			goto fail;
		}
		if (n > 0 && end[-1] == '\r') {
			msg(err, errlen, "%s:%zu: carriage return at end of "
			    "line (DOS line ending)", name, line);
			goto fail;
		}
		while (l < end && is_blank(*l))
			l++;
		if (l == end || *l == '#')
			continue;

		key = l;
		while (l < end && !is_blank(*l))
			l++;
		klen = (size_t)(l - key);
		while (l < end && is_blank(*l))
			l++;
		val = l;
		while (l < end && !is_blank(*l))
			l++;
		vlen = (size_t)(l - val);
		while (l < end && is_blank(*l))
			l++;

		if (!headed) {
			if (klen != 9 || memcmp(key, "fib-state", 9) != 0) {
				msg(err, errlen, "%s:%zu: not a fib-state file: "
				    "the first line must be 'fib-state 1'",
				    name, line);
				goto fail;
			}
			if (vlen != 1 || *val != '1' || l != end) {
				msg(err, errlen, "%s:%zu: unsupported format "
				    "%s (this reader knows 'fib-state 1')",
				    name, line, quote(q, sizeof(q), val,
				    (size_t)(end - val)));
				goto fail;
			}
			headed = line;
			continue;
		}
		if ((k = find_key(key, klen)) == -1) {
			if (klen == 9 && memcmp(key, "fib-state", 9) == 0)
				msg(err, errlen, "%s:%zu: duplicate 'fib-state' "
				    "line (first on line %zu)", name, line,
				    headed);
			else
				msg(err, errlen, "%s:%zu: unknown key %s", name,
				    line, quote(q, sizeof(q), key, klen));
			goto fail;
		}
		if (seen[k]) {
			msg(err, errlen, "%s:%zu: duplicate key '%s' (first on "
			    "line %zu)", name, line, key_names[k], seen[k]);
			goto fail;
		}
		seen[k] = line;
		if (vlen == 0) {
			msg(err, errlen, "%s:%zu: missing value for '%s'", name,
			    line, key_names[k]);
			goto fail;
		}
		if (l != end) {
			msg(err, errlen, "%s:%zu: trailing junk after the value "
			    "of '%s': %s", name, line, key_names[k],
			    quote(q, sizeof(q), l, (size_t)(end - l)));
			goto fail;
		}
		if (take_value(&tmp, k, val, vlen, why, sizeof(why)) == -1) {
			int e = errno;

			if (errlen > 0)
				snprintf(err, errlen, "%s:%zu: %s", name, line,
				    why);
			errno = e;
			goto fail;
		}
	}
	if (!headed) {
		msg(err, errlen, "%s: not a fib-state file: no 'fib-state 1' "
		    "line", name);
		goto fail;
	}
	for (k = 0; k < NKEYS; k++)
		if (k != K_LISTEN && !seen[k]) {
			msg(err, errlen, "%s: missing key '%s'", name,
			    key_names[k]);
			goto fail;
		}
	tw_fibstate_free(s);
	*s = tmp;
	return 0;
fail:
	k = errno;
	tw_fibstate_free(&tmp);
	errno = k;
	return -1;
}

static int
sys_fail(char *err, size_t errlen, const char *path)
{
	int e = errno;

	if (errlen > 0)
		snprintf(err, errlen, "%s: %s", path, strerror(e));
	errno = e;
	return -1;
}

int
tw_fibstate_read(tw_fibstate *s, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0, cap;
	ssize_t n;
	int fd, rc, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return sys_fail(err, errlen, path);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	/* The size is a hint: a file being edited may grow as we read. */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	if ((text = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		if (len == cap) {
			char *bigger = realloc(text, cap * 2);

			if (bigger == NULL)
				goto fail;
			text = bigger;
			cap *= 2;
		}
		n = read(fd, text + len, cap - len);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		len += (size_t)n;
	}
	close(fd);
	rc = tw_fibstate_parse(s, path, text, len, err, errlen);
	e = errno;
	free(text);
	errno = e;
	return rc;
fail:
	e = errno;
	free(text);
	close(fd);
	errno = e;
	return sys_fail(err, errlen, path);
}

int
tw_fibstate_check_value(const char *key, const char *value, char *err,
    size_t errlen)
{
	char q[48];
	int k = find_key(key, strlen(key));

	if (k == -1)
		return msg(err, errlen, "unknown key %s",
		    quote(q, sizeof(q), key, strlen(key)));
	return take_value(NULL, k, value, strlen(value), err, errlen);
}

int
tw_fibstate_set(tw_fibstate *s, const char *key, const char *value,
    char *err, size_t errlen)
{
	char q[48];
	int k = find_key(key, strlen(key));

	if (k == -1)
		return msg(err, errlen, "unknown key %s",
		    quote(q, sizeof(q), key, strlen(key)));
	return take_value(s, k, value, strlen(value), err, errlen);
}

char *
tw_fibstate_format(const tw_fibstate *s, size_t *lenp)
{
	size_t cap, len;
	char *t;

	cap = sizeof(HEADER) + 128 + tw_big_digits(&s->a) +
	    tw_big_digits(&s->b) + strlen(s->listen);
	if ((t = malloc(cap)) == NULL)
		return NULL;
	len = (size_t)snprintf(t, cap, "%sfib-state 1\na ", HEADER);
	len += tw_big_print(&s->a, t + len);
	memcpy(t + len, "\nb ", 3);
	len += 3;
	len += tw_big_print(&s->b, t + len);
	len += (size_t)snprintf(t + len, cap - len,
	    "\nserved %llu\nreserve %llu\n", (unsigned long long)s->served,
	    (unsigned long long)s->reserve);
	if (s->listen[0] != '\0')
		len += (size_t)snprintf(t + len, cap - len, "listen %s\n",
		    s->listen);
	*lenp = len;
	return t;
}

static int remove_temps(const char *path);

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync the directory holding path, so the rename itself is durable. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc, e;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_CLOEXEC);
	e = errno;
	free(dir);
	if (fd == -1) {
		errno = e;
		return -1;
	}
	rc = fsync(fd);
	e = errno;
	close(fd);
	/* Some file systems cannot sync a directory; the rename still holds. */
	if (rc == -1 && (e == EINVAL || e == EROFS))
		rc = 0;
	errno = e;
	return rc;
}

/* Links followed before giving up with ELOOP, as the kernel's MAXSYMLINKS. */
#define LINKS_MAX 40

/*
 * The file that path names once its last component's symbolic links are
 * followed (malloc'd): rename(2) replaces a link itself, so the writer
 * renames over the link's target instead, and the temporary file goes
 * beside that target (a rename cannot cross file systems). A relative
 * link is relative to the directory of the link. A dangling link names
 * the file to create. The directories on the way are left as they are:
 * the kernel follows them for every call alike.
 */
static char *
resolve(const char *path)
{
	char *cur, *next, link[4096];
	struct stat sb;
	ssize_t n;
	int hops;

	if ((cur = strdup(path)) == NULL)
		return NULL;
	for (hops = 0; ; hops++) {
		const char *slash;
		size_t dlen;

		if (lstat(cur, &sb) == -1) {
			if (errno == ENOENT)
				return cur;
			break;
		}
		if (!S_ISLNK(sb.st_mode))
			return cur;
		if (hops == LINKS_MAX) {
			errno = ELOOP;
			break;
		}
		if ((n = readlink(cur, link, sizeof(link))) == -1)
			break;
		if ((size_t)n == sizeof(link)) {
			errno = ENAMETOOLONG;
			break;
		}
		slash = strrchr(cur, '/');
		dlen = link[0] == '/' || slash == NULL ? 0 :
		    (size_t)(slash - cur) + 1;
		if ((next = malloc(dlen + (size_t)n + 1)) == NULL)
			break;
		memcpy(next, cur, dlen);
		memcpy(next + dlen, link, (size_t)n);
		next[dlen + (size_t)n] = '\0';
		free(cur);
		cur = next;
	}
	n = errno;
	free(cur);
	errno = (int)n;
	return NULL;
}

/*
 * Give the new file fd the old file's owner and mode. The owner only where
 * allowed (root, or a group the writer is in): a file another user owns
 * is rewritten as the writer's, which is what an editor does too. The
 * mode after the owner, as chown(2) may clear set-id bits.
 */
static int
keep_attributes(int fd, const struct stat *old)
{
	if (fchown(fd, old->st_uid, old->st_gid) == -1)
		(void)fchown(fd, (uid_t)-1, old->st_gid);
	return fchmod(fd, old->st_mode & 07777);
}

int
tw_fibstate_write(const tw_fibstate *s, const char *path)
{
	char *text = NULL, *tmp = NULL, *target;
	struct stat old;
	size_t len, n;
	int fd, e, exists;

	if ((target = resolve(path)) == NULL)
		return -1;
	n = strlen(target) + 32;
	if ((tmp = malloc(n)) == NULL)
		goto fail;
	snprintf(tmp, n, "%s.tmp.%ld", target, (long)getpid());
	if ((text = tw_fibstate_format(s, &len)) == NULL)
		goto fail;
	exists = stat(target, &old) == 0;
	if (!exists && errno != ENOENT)
		goto fail;
	/* A new file: 0666 less the umask, as any program creates one. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd == -1)
		goto fail;
	if ((exists && keep_attributes(fd, &old) == -1) ||
	    write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, target) == -1) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto fail;
	}
	free(text);
	free(tmp);
	e = sync_dir(target);
	n = (size_t)errno;
	free(target);
	errno = (int)n;
	return e;
fail:
	e = errno;
	free(text);
	free(tmp);
	free(target);
	errno = e;
	return -1;
}

int
tw_fibstate_remove_temps(const char *link)
{
	char *path = resolve(link);
	int n;

	if (path == NULL)
		return -1;
	n = remove_temps(path);
	free(path);
	return n;
}

/* tw_fibstate_remove_temps() for the resolved path: BASE.tmp.PID there. */
static int
remove_temps(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	size_t dlen = slash != NULL ? (size_t)(slash - path) : 0;
	size_t blen = strlen(base);
	char dir[4096], victim[4096 + 256];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (dlen >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (slash == NULL)
		strcpy(dir, ".");
	else if (dlen == 0)
		strcpy(dir, "/");
	else {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		const char *p = e->d_name;

		/* BASE.tmp. followed by digits only: ours, nothing else. */
		if (strncmp(p, base, blen) != 0 || strncmp(p + blen, ".tmp.", 5) != 0)
			continue;
		p += blen + 5;
		if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
			continue;
		snprintf(victim, sizeof(victim), "%s/%s", dir, e->d_name);
		if (unlink(victim) == 0)
			n++;
	}
	closedir(d);
	return n;
}
