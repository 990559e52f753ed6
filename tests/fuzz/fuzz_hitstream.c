/*
 * fuzz_hitstream.c - weblog-client's stream parser on any bytes.
 *
 * The first input byte chooses how the rest is cut into reads and when the
 * callback stops the parser; the second chooses the line limit. Then:
 *
 *   - the rest, as a stream: parsed whole and parsed in those pieces (with
 *     the callback stopping it now and then, and the caller feeding the
 *     rest), it gives the same events and the same verdict; the buffer
 *     never grows past TW_XML_ESCAPED_MAX(max); every hit formats in every
 *     format, with the start tag's format compiled (when it compiles) and
 *     a label, within TW_HS_FORMAT_MAX(max, 3) bytes (the output buffer
 *     is exactly that big, so AddressSanitizer sees an overrun);
 *   - the rest, as log lines: each line as weblog-serve sends it by
 *     default (split by the "combined" preset, written by tw_hit_rec()),
 *     the whole stream fed in those pieces, is accepted, and each hit
 *     prints as its line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/hit.h"
#include "weblog/hitstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	uint64_t hash;		/* FNV-1a of every event */
	int events;
	int stop_every;		/* return 1 after this many events (0: never) */
	size_t max;
	char *out;		/* TW_HS_FORMAT_MAX(max, 3) bytes */
	tw_logfmt *lf;		/* the start tag's format, compiled */
	/* the lines mode: the lines expected, in order */
	const char *lines;
	size_t lines_len, at;
	int hits;
};

static void
mix(struct sink *s, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0)
		s->hash = (s->hash ^ *b++) * 1099511628211ull;
}

static int
on_event(void *arg, const tw_hitev *ev)
{
	struct sink *s = arg;
	size_t total = 0;
	tw_hsformat f;
	char err[128];
	long n;
	int i;

	mix(s, &ev->type, sizeof(ev->type));
	s->events++;
	if (ev->type == TW_HS_DROPPED || ev->type == TW_HS_LOST)
		mix(s, &ev->count, sizeof(ev->count));
	if (ev->type == TW_HS_START && ev->format != NULL) {
		mix(s, ev->format, ev->formatlen);
		tw_logfmt_free(s->lf);
		s->lf = NULL;
		if (memchr(ev->format, '\0', ev->formatlen) == NULL)
			s->lf = tw_logfmt_compile(ev->format, err, sizeof(err));
	}
	if (ev->type == TW_HS_HIT) {
		mix(s, &ev->present, sizeof(ev->present));
		if (ev->line != NULL) {
			if (ev->present != 0 || ev->nextra != 0)
				abort();
			mix(s, ev->line, ev->linelen);
			total = ev->linelen;
		} else if (ev->present == 0 && ev->nextra == 0) {
			abort();
		}
		if (ev->source != NULL) {
			mix(s, ev->source, ev->sourcelen);
			if (ev->sourcelen > TW_HITSTREAM_SOURCE_MAX)
				abort();
		}
		for (i = 0; i < TW_HS_NFIELDS; i++) {
			if (!(ev->present & TW_LOGFMT_BIT(i)))
				continue;
			mix(s, &ev->len[i], sizeof(ev->len[i]));
			mix(s, ev->field[i], ev->len[i]);
			total += ev->len[i];
		}
		if (ev->nextra > TW_HITSTREAM_EXTRAS)
			abort();
		for (i = 0; i < ev->nextra; i++) {
			mix(s, ev->xname[i], ev->xnamelen[i]);
			mix(s, ev->xval[i], ev->xlen[i]);
			total += ev->xlen[i];
		}
		if (total > s->max)
			abort();	/* a hit is at most max bytes */
		for (f.fmt = TW_HS_COMBINED; f.fmt <= TW_HS_XML; f.fmt++) {
			for (i = 0; i < 2; i++) {
				f.lf = s->lf;
				f.label = i ? "h:1" : NULL;
				n = tw_hitstream_format(ev, &f, s->out);
				if (n > (long)TW_HS_FORMAT_MAX(s->max, 3) ||
				    (n < 0 && (f.fmt != TW_HS_COMBINED ||
				    s->lf == NULL)))
					abort();
			}
		}
	}
	return s->stop_every > 0 && s->events % s->stop_every == 0;
}

static int
on_line(void *arg, const tw_hitev *ev)
{
	struct sink *s = arg;
	const char *line = s->lines + s->at, *nl;
	tw_hsformat f = { TW_HS_COMBINED, NULL, NULL };
	size_t len;
	long n;

	if (ev->type != TW_HS_HIT)
		return 0;
	nl = memchr(line, '\n', s->lines_len - s->at);
	if (nl == NULL)
		abort();
	len = (size_t)(nl - line);
	n = tw_hitstream_format(ev, &f, s->out);
	if (n != (long)len + 1 || memcmp(s->out, line, len) != 0)
		abort();
	s->at += len + 1;
	s->hits++;
	return 0;
}

/* The next piece's length, from a little generator seeded by the input. */
static size_t
piece(uint32_t *seed, size_t left)
{
	size_t n;

	*seed = *seed * 1103515245u + 12345u;
	n = 1 + (*seed >> 16) % 97;
	return n < left ? n : left;
}

/*
 * Feed data in pieces; when the callback stops the parser, feed the rest
 * of that piece. Returns 0 or -1 as the parser's verdict.
 */
static int
feed(tw_hitstream *hs, const char *data, size_t size, uint32_t seed,
    tw_hitstream_cb cb, struct sink *s)
{
	size_t off = 0, n, used;
	int rc;

	while (off < size) {
		n = piece(&seed, size - off);
		while (n > 0) {
			rc = tw_hitstream_feed(hs, data + off, n, cb, s, &used);
			if (used > n)
				abort();
			if (rc == -1)
				return -1;
			if (rc != 0 && rc != 1)
				abort();
			if (rc == 0 && used != n)
				abort();
			off += used;
			n -= used;
		}
		if (hs->cap > TW_XML_ESCAPED_MAX(s->max))
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tw_logfmt *combined;
	struct sink whole, split;
	tw_hitstream hs;
	tw_logrec r;
	const char *rest;
	size_t n, max, i, off;
	uint32_t seed;
	int rc1, rc2;
	char *enc;

	if (size < 2 || size > 1 << 16)
		return 0;
	if (combined == NULL &&
	    (combined = tw_logfmt_compile("combined", NULL, 0)) == NULL)
		abort();
	seed = data[0];
	/* Small limits reach the "too long" paths; 0 means roomy. */
	max = data[1] == 0 ? 1 << 16 : data[1];
	rest = (const char *)data + 2;
	n = size - 2;

	memset(&whole, 0, sizeof(whole));
	whole.max = max;
	if ((whole.out = malloc(TW_HS_FORMAT_MAX(max, 3))) == NULL)
		abort();
	split = whole;
	split.stop_every = 1 + (int)(seed % 4);

	tw_hitstream_init(&hs, max);
	rc1 = tw_hitstream_feed(&hs, rest, n, on_event, &whole, NULL);
	if (rc1 != 0 && rc1 != -1)
		abort();
	if (hs.cap > TW_XML_ESCAPED_MAX(max))
		abort();
	if (rc1 == -1 && (errno != EBADMSG || tw_hitstream_error(&hs)[0] == '\0'))
		abort();
	/* A failed parser stays failed. */
	if (rc1 == -1 && tw_hitstream_feed(&hs, "<", 1, on_event, &whole,
	    NULL) != -1)
		abort();

	tw_hitstream_reset(&hs);
	rc2 = feed(&hs, rest, n, seed, on_event, &split);
	if (rc1 != rc2 || whole.hash != split.hash ||
	    whole.events != split.events)
		abort();
	tw_hitstream_free(&hs);
	tw_logfmt_free(whole.lf);
	tw_logfmt_free(split.lf);

	/* As log lines: what weblog-serve sends, the parser accepts. */
	for (i = 0; i < n; i++)
		if (rest[i] == '\n')
			break;
	if (i < n && max >= n) {
		size_t nlines = 0, len = 0, start, namelen;

		for (i = 0; i < n; i++)
			nlines += rest[i] == '\n';
		/* TW_HIT_REC_MAX is affine: n's, and an empty line's per line. */
		namelen = strlen(tw_logfmt_text(combined));
		if ((enc = malloc(TW_HIT_REC_MAX(n, namelen, 0) +
		    nlines * TW_HIT_REC_MAX(0, namelen, 0) + 16)) == NULL)
			abort();
		memcpy(enc, "<hits>\n", 7);
		len = 7;
		for (start = 0, off = 0; off < n; off++) {
			if (rest[off] != '\n')
				continue;
			len += tw_hit_rec(combined, tw_logfmt_parse(combined, &r,
			    rest + start, off - start) ? &r : NULL,
			    rest + start, off - start, NULL, 0, start + 1,
			    enc + len);
			start = off + 1;
		}
		memcpy(enc + len, "</hits>\n", 8);
		len += 8;
		memset(&split, 0, sizeof(split));
		split.max = max;
		split.out = whole.out;
		split.lines = rest;
		split.lines_len = start;	/* up to the last '\n' */
		tw_hitstream_init(&hs, max);
		if (feed(&hs, enc, len, seed, on_line, &split) != 0 ||
		    !tw_hitstream_ended(&hs) || split.hits != (int)nlines)
			abort();
		tw_hitstream_free(&hs);
		free(enc);
	}
	free(whole.out);
	return 0;
}
