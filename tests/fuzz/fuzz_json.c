/*
 * fuzz_json.c - a log line (any bytes) as a JSON object, read back by a
 * JSON reader written here, without the library:
 *
 *   - the output fits in TW_JSON_HIT_MAX(size) (the buffer is exactly that
 *     big, so AddressSanitizer sees an overrun), is valid UTF-8 and holds
 *     no raw control byte;
 *   - it is one object whose keys are the CLF field names in order (as
 *     clf.h splits the line) or "line", and each string, unescaped, is its
 *     field with every byte that is not valid UTF-8 written \xHH.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/clf.h"
#include "weblog/json.h"
#include "weblog/xmlesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char hex[] = "0123456789ABCDEF";

/* What the string should read as: s with invalid bytes as \xHH. */
static size_t
expected(const char *s, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n;

	while (i < len) {
		if ((n = tw_utf8_len(p + i, len - i)) == 0) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
			i++;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	return o;
}

static int
hexval(char c)
{
	const char *h = strchr(hex, c);

	return c != '\0' && h != NULL ? (int)(h - hex) : -1;
}

/*
 * Read the JSON string at j[*at] (its opening quote) into out, leaving *at
 * past its closing quote. Returns its length; aborts if it is malformed.
 * The encoder writes \u only for bytes below 0x20.
 */
static size_t
string(const char *j, size_t n, size_t *at, char *out)
{
	size_t i = *at, o = 0;
	int h, l;

	if (i >= n || j[i++] != '"')
		abort();
	for (;;) {
		if (i >= n)
			abort();
		if (j[i] == '"')
			break;
		if (j[i] != '\\') {
			out[o++] = j[i++];
			continue;
		}
		if (++i >= n)
			abort();
		switch (j[i++]) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u':
			if (i + 4 > n || j[i] != '0' || j[i + 1] != '0' ||
			    (h = hexval(j[i + 2])) < 0 || h > 1 ||
			    (l = hexval(j[i + 3])) < 0)
				abort();
			out[o++] = (char)(h << 4 | l);
			i += 4;
			break;
		default:
			abort();
		}
	}
	*at = i + 1;
	return o;
}

/* "key":"value" at j[*at] must be key and value[0..len) once read back. */
static void
member(const char *j, size_t n, size_t *at, const char *key,
    const char *value, size_t len, char *a, char *b)
{
	size_t got, want;

	got = string(j, n, at, a);
	if (got != strlen(key) || memcmp(a, key, got) != 0)
		abort();
	if (*at >= n || j[(*at)++] != ':')
		abort();
	got = string(j, n, at, a);
	want = expected(value, len, b);
	if (got != want || memcmp(a, b, got) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	char *out, *a, *b;
	size_t n, i, at = 0, len;
	tw_clf c;

	out = malloc(TW_JSON_HIT_MAX(size));
	a = malloc(TW_JSON_HIT_MAX(size));	/* what any output reads back to */
	b = malloc(4 * size + 1);
	if (out == NULL || a == NULL || b == NULL)
		abort();
	n = tw_json_line(line, size, out);
	if (n > TW_JSON_HIT_MAX(size))
		abort();
	for (i = 0; i < n; i += len) {
		if ((unsigned char)out[i] < 0x20 ||
		    (len = tw_utf8_len((const unsigned char *)out + i,
		    n - i)) == 0)
			abort();
	}
	if (n < 2 || out[at++] != '{' || out[n - 1] != '}')
		abort();
	if (tw_clf_parse(&c, line, size) == 0) {
		member(out, n, &at, "line", line, size, a, b);
	} else {
		for (i = 0; i < (size_t)c.nfields; i++) {
			if (i > 0 && out[at++] != ',')
				abort();
			member(out, n, &at, tw_clf_names[i], c.field[i],
			    c.len[i], a, b);
		}
	}
	if (at != n - 1)
		abort();
	free(out);
	free(a);
	free(b);
	return 0;
}
