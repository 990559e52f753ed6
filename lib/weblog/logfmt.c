/*
 * logfmt.c - compile nginx and Apache log formats; split and rebuild lines.
 *
 * The compiled form is the literal before the first variable ("lead"),
 * then one op per variable: where its value goes in the record, the check
 * its field makes, and the literal that follows it, whose first byte ends
 * the value. Matching is one left-to-right pass with memchr and memcmp.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"

enum check {
	ANY,		/* any bytes, none too */
	NONEMPTY,	/* one or more bytes */
	DIGITS,		/* one or more decimal digits */
	BYTES		/* digits, or "-" */
};

struct op {
	const char *lit;	/* the literal after the variable */
	size_t litlen;		/* 0 only for the last variable */
	int quoted;		/* lit starts with '"': mind backslashes */
	int slot;		/* where the value goes in tw_logrec */
	enum check check;
	unsigned mask;		/* the present mask once this op matched */
	int nextra;		/* the extra fields once this op matched */
};

struct tw_logfmt {
	const char *text;	/* the format as given */
	const char *lead;	/* the literal before the first variable */
	size_t leadlen;
	int nops;
	int stop;		/* the op after which a line may end, or -1 */
	unsigned fields;
	int nextra;
	const char *extra[TW_LOGFMT_MAXVARS];
	struct op op[TW_LOGFMT_MAXVARS];
	char buf[];		/* literals, names, text */
};

const char *const tw_clf_names[TW_CLF_NFIELDS] = {
	"client", "ident", "user", "time", "request", "status", "bytes",
	"referrer", "agent"
};

/* The presets: Apache's own LogFormat lines. */
static const struct preset {
	const char *name, *format;
	int common_too;		/* a line may end after %b */
} presets[] = {
	{ "combined", "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" "
	    "\"%{User-Agent}i\"", 1 },
	{ "common", "%h %l %u %t \"%r\" %>s %b", 0 },
	{ "vhost_combined", "%v:%p %h %l %u %t \"%r\" %>s %O "
	    "\"%{Referer}i\" \"%{User-Agent}i\"", 0 },
};

static const struct {
	const char *name;
	int field;
} nginx_vars[] = {
	{ "remote_addr", TW_CLF_CLIENT },
	{ "remote_user", TW_CLF_USER },
	{ "time_local", TW_CLF_TIME },
	{ "request", TW_CLF_REQUEST },
	{ "status", TW_CLF_STATUS },
	{ "body_bytes_sent", TW_CLF_BYTES },
	{ "bytes_sent", TW_CLF_BYTES },
	{ "http_referer", TW_CLF_REFERRER },
	{ "http_user_agent", TW_CLF_AGENT },
};

/* mod_log_config's directives; those in NEED_ARG only come as %{ARG}X. */
#define APACHE_LETTERS "aAbBCDefhHiIklLmnoOpPqrRsStTuUvVX"
#define NEED_ARG "Ceino"

static const enum check field_check[TW_CLF_NFIELDS] = {
	NONEMPTY, NONEMPTY, NONEMPTY, ANY, ANY, DIGITS, BYTES, ANY, ANY
};

/* The compiler's state while it fills f. */
struct comp {
	tw_logfmt *f;
	const char *src;	/* the format string being compiled */
	char *o;		/* the next free byte of f->buf */
	char *lit;		/* the start of the literal being gathered */
	const char *prev;	/* the previous variable, as written */
	int prevlen;
	char *err;
	size_t errlen;
};

/* The reason, one line: bytes of the format it quotes may be anything. */
static int
fail(struct comp *c, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
		for (p = c->err; *p != '\0'; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				*p = '?';
	}
	return -1;
}

static int
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_name(char ch)
{
	return is_digit(ch) || ch == '_' || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z');
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* s[0..n) equals the lower-case word w, ignoring case. */
static int
same_word(const char *s, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != w[i])
			return 0;
	return 1;
}

/* One byte of literal text. A line never holds a newline, so no match. */
static int
lit_byte(struct comp *c, char ch)
{
	if (ch == '\n')
		return fail(c, "a newline in the format can never match a "
		    "line");
	*c->o++ = ch;
	return 0;
}

/*
 * Literal text at *s, with the escapes of a config file undone; advances
 * *s past it.
 */
static int
lit_text(struct comp *c, const char **s)
{
	static const char from[] = "\"'\\trn", to[] = "\"'\\\t\r\n";
	const char *p = *s, *e;

	if (p[0] == '\\' && p[1] != '\0' && (e = strchr(from, p[1])) != NULL) {
		*s += 2;
		return lit_byte(c, to[e - from]);
	}
	*s += 1;
	return lit_byte(c, p[0]);
}

/* The literal gathered since the last variable ends here. */
static int
end_literal(struct comp *c, const char *next, int nextlen)
{
	tw_logfmt *f = c->f;
	struct op *op;
	size_t len = (size_t)(c->o - c->lit);

	if (f->nops == 0) {
		f->lead = c->lit;
		f->leadlen = len;
		return 0;
	}
	if (len == 0 && next != NULL)
		return fail(c, "%.*s and %.*s have nothing between them to "
		    "tell where one ends", c->prevlen, c->prev, nextlen, next);
	op = &f->op[f->nops - 1];
	op->lit = c->lit;
	op->litlen = len;
	op->quoted = len > 0 && c->lit[0] == '"';
	return 0;
}

/*
 * A variable, written src[0..srclen) in the format, for field (TW_CLF_*,
 * or -1 for an extra field named name[0..namelen)).
 */
static int
add_var(struct comp *c, const char *src, size_t srclen, int field,
    const char *name, size_t namelen)
{
	tw_logfmt *f = c->f;
	struct op *op;

	if (f->nops == TW_LOGFMT_MAXVARS)
		return fail(c, "more than %d variables", TW_LOGFMT_MAXVARS);
	if (end_literal(c, src, (int)srclen) != 0)
		return -1;
	op = &f->op[f->nops++];
	if (field >= 0 && (f->fields & TW_LOGFMT_BIT(field)))
		field = -1;	/* filled already: the second is an extra */
	if (field >= 0) {
		op->slot = field;
		op->check = field_check[field];
		f->fields |= TW_LOGFMT_BIT(field);
	} else {
		op->slot = TW_CLF_NFIELDS + f->nextra;
		op->check = ANY;
		f->extra[f->nextra++] = c->o;
		memcpy(c->o, name, namelen);
		c->o += namelen;
		*c->o++ = '\0';
	}
	op->lit = NULL;
	op->litlen = 0;
	op->quoted = 0;
	op->mask = f->fields;
	op->nextra = f->nextra;
	c->prev = src;
	c->prevlen = (int)srclen;
	c->lit = c->o;
	return 0;
}

static int
nginx_field(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(nginx_vars) / sizeof(nginx_vars[0]); i++)
		if (same_word(name, len, nginx_vars[i].name))
			return nginx_vars[i].field;
	return -1;
}

/* $name or ${name}, at *s. */
static int
nginx_var(struct comp *c, const char **s)
{
	const char *v = *s, *name, *e;
	size_t at = (size_t)(v - c->src) + 1;

	if (v[1] == '{') {
		name = e = v + 2;
		while (is_name(*e))
			e++;
		if (e == name || *e != '}')
			return fail(c, "'${' at byte %zu does not start a "
			    "${name}", at);
		*s = e + 1;
	} else {
		name = e = v + 1;
		while (is_name(*e))
			e++;
		if (e == name)
			return fail(c, "'$' at byte %zu is not followed by a "
			    "variable name", at);
		*s = e;
	}
	return add_var(c, v, (size_t)(*s - v),
	    nginx_field(name, (size_t)(e - name)), name, (size_t)(e - name));
}

/* What an Apache directive fills: letter, its {arg} (or NULL), '<' seen. */
static int
apache_field(char letter, const char *arg, size_t arglen, int lt)
{
	switch (letter) {
	case 'a':
	case 'h':
		return TW_CLF_CLIENT;
	case 'l':
		return TW_CLF_IDENT;
	case 'u':
		return TW_CLF_USER;
	case 't':
		return arg == NULL ? TW_CLF_TIME : -1;
	case 'r':
		return TW_CLF_REQUEST;
	case 's':
		return lt ? -1 : TW_CLF_STATUS;
	case 'b':
	case 'B':
	case 'O':
		return TW_CLF_BYTES;
	case 'i':
		if (same_word(arg, arglen, "referer"))
			return TW_CLF_REFERRER;
		if (same_word(arg, arglen, "user-agent"))
			return TW_CLF_AGENT;
		return -1;
	default:
		return -1;
	}
}

/* %[modifiers][{arg}][modifiers]X at *s; %% is a literal '%'. */
static int
apache_var(struct comp *c, const char **s)
{
	const char *v = *s, *p = v + 1, *arg = NULL, *close;
	size_t at = (size_t)(v - c->src) + 1, arglen = 0, letters = 1, n = 0;
	char name[TW_LOGFMT_MAXLEN + 8];
	int lt = 0, gt = 0, field;

	if (*p == '%') {
		*s = p + 1;
		return lit_byte(c, '%');
	}
	for (;; p++) {
		if (*p == '<')
			lt = 1;
		else if (*p == '>')
			gt = 1;
		else if (*p == '{') {
			if ((close = strchr(p + 1, '}')) == NULL)
				return fail(c, "'%%' at byte %zu opens a '{' "
				    "with no '}'", at);
			arg = p + 1;
			arglen = (size_t)(close - arg);
			p = close;
		} else if (*p != '!' && *p != ',' && !is_digit(*p))
			break;
	}
	if (*p == '\0')
		return fail(c, "'%%' at byte %zu ends without a directive",
		    at);
	if (*p == '^' && p[1] == 't' && (p[2] == 'i' || p[2] == 'o'))
		letters = 3;	/* a trailer: %{Name}^ti, %{Name}^to */
	else if (*p == '^' || strchr(APACHE_LETTERS, *p) == NULL)
		return fail(c, "unknown Apache directive '%c' at byte %zu",
		    *p >= ' ' && *p < 0x7f ? *p : '?', (size_t)(p - c->src) + 1);
	if (arg == NULL && (letters == 3 || strchr(NEED_ARG, *p) != NULL))
		return fail(c, "%%%c at byte %zu needs a {name}: %%{name}%c",
		    *p, at, *p);
	*s = p + letters;
	field = letters == 3 ? -1 : apache_field(*p, arg, arglen, lt);

	if (lt)
		name[n++] = '<';
	if (gt)
		name[n++] = '>';
	if (arg != NULL) {
		name[n++] = '{';
		memcpy(name + n, arg, arglen);
		n += arglen;
		name[n++] = '}';
	}
	memcpy(name + n, p, letters);
	n += letters;

	/* %t writes its own brackets; the time is what they hold. */
	if (*p == 't' && arg == NULL) {
		if (lit_byte(c, '[') != 0 ||
		    add_var(c, v, (size_t)(*s - v), field, name, n) != 0)
			return -1;
		return lit_byte(c, ']');
	}
	return add_var(c, v, (size_t)(*s - v), field, name, n);
}

/* The format string src into c->f. */
static int
compile(struct comp *c, const char *src)
{
	const char *s;
	int nginx = -1;

	for (s = src; *s != '\0' && nginx < 0; s++)
		if (*s == '%')
			nginx = 0;
		else if (*s == '$' && (is_name(s[1]) || s[1] == '{'))
			nginx = 1;
	if (nginx < 0)
		return fail(c, "no nginx $variable or Apache %%directive in "
		    "it");
	c->src = src;
	c->lit = c->o;
	for (s = src; *s != '\0';) {
		if (nginx && *s == '$') {
			if (nginx_var(c, &s) != 0)
				return -1;
		} else if (!nginx && *s == '%') {
			if (apache_var(c, &s) != 0)
				return -1;
		} else if (lit_text(c, &s) != 0) {
			return -1;
		}
	}
	if (c->f->nops == 0)
		return fail(c, "no variables in it, only text");
	return end_literal(c, NULL, 0);
}

tw_logfmt *
tw_logfmt_compile(const char *format, char *err, size_t errlen)
{
	const char *src = format;
	struct comp c;
	tw_logfmt *f;
	size_t i, len, textlen = strlen(format);
	int common_too = 0;

	if (errlen > 0)
		err[0] = '\0';
	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(format, presets[i].name) == 0) {
			src = presets[i].format;
			common_too = presets[i].common_too;
		}
	c.err = err;
	c.errlen = errlen;
	if (*src == '\0') {
		fail(&c, "empty format");
		return NULL;
	}
	if ((len = strlen(src)) > TW_LOGFMT_MAXLEN) {
		fail(&c, "longer than %d bytes", TW_LOGFMT_MAXLEN);
		return NULL;
	}
	/*
	 * Room for every literal byte (a %t adds two) and every name (no
	 * longer than its directive, plus a NUL), then the text.
	 */
	f = malloc(sizeof(*f) + 2 * len + 3 * TW_LOGFMT_MAXVARS + textlen + 1);
	if (f == NULL) {
		fail(&c, "out of memory");
		return NULL;
	}
	f->nops = f->nextra = 0;
	f->fields = 0;
	f->stop = -1;
	f->lead = NULL;
	f->leadlen = 0;
	c.f = f;
	c.o = f->buf;
	c.prev = NULL;
	c.prevlen = 0;
	if (compile(&c, src) != 0) {
		free(f);
		return NULL;
	}
	if (common_too)
		for (i = 0; i < (size_t)f->nops; i++)
			if (f->op[i].slot == TW_CLF_BYTES)
				f->stop = (int)i;
	memcpy(c.o, format, textlen + 1);
	f->text = c.o;
	return f;
}

void
tw_logfmt_free(tw_logfmt *f)
{
	free(f);
}

const char *
tw_logfmt_text(const tw_logfmt *f)
{
	return f->text;
}

unsigned
tw_logfmt_fields(const tw_logfmt *f)
{
	return f->fields;
}

int
tw_logfmt_nextra(const tw_logfmt *f)
{
	return f->nextra;
}

const char *
tw_logfmt_extra_name(const tw_logfmt *f, int j)
{
	return f->extra[j];
}

/*
 * The first '"' in [p, end) not escaped by a backslash, or NULL. A quote
 * is escaped when an odd run of backslashes precedes it (back to p, or to
 * a byte that is not a backslash): the same answer as walking from p with
 * a backslash taking the byte after it, at memchr's speed.
 */
static const char *
closing_quote(const char *p, const char *end)
{
	const char *q = p, *b;

	while ((q = memchr(q, '"', (size_t)(end - q))) != NULL) {
		for (b = q; b > p && b[-1] == '\\'; b--)
			continue;
		if ((q - b) % 2 == 0)
			return q;
		q++;
	}
	return NULL;
}

static int
passes(enum check check, const char *p, size_t n)
{
	size_t i;

	switch (check) {
	case ANY:
		return 1;
	case NONEMPTY:
		return n > 0;
	case BYTES:
		if (n == 1 && p[0] == '-')
			return 1;
		/* FALLTHROUGH */
	case DIGITS:
		if (n == 0)
			return 0;
		for (i = 0; i < n; i++)
			if (!is_digit(p[i]))
				return 0;
		return 1;
	}
	return 0;
}

int
tw_logfmt_parse(const tw_logfmt *f, tw_logrec *r, const char *line,
    size_t len)
{
	const char *p = line, *end = line + len, *q;
	const struct op *op;
	int i;

	if (f->leadlen > 0) {
		if (len < f->leadlen || memcmp(p, f->lead, f->leadlen) != 0)
			return 0;
		p += f->leadlen;
	}
	for (i = 0; i < f->nops; i++) {
		op = &f->op[i];
		if (op->litlen == 0)
			q = end;
		else if (op->quoted)
			q = closing_quote(p, end);
		else
			q = memchr(p, op->lit[0], (size_t)(end - p));
		if (q == NULL) {
			if (i != f->stop)
				return 0;
			q = end;
		}
		if (!passes(op->check, p, (size_t)(q - p)))
			return 0;
		r->val[op->slot] = p;
		r->len[op->slot] = (size_t)(q - p);
		if (q == end && i == f->stop) {
			r->present = op->mask;
			r->nextra = op->nextra;
			return 1;
		}
		if ((size_t)(end - q) < op->litlen ||
		    memcmp(q, op->lit, op->litlen) != 0)
			return 0;
		p = q + op->litlen;
	}
	if (p != end)
		return 0;
	r->present = f->fields;
	r->nextra = f->nextra;
	return 1;
}

long
tw_logfmt_format(const tw_logfmt *f, const tw_logrec *r, char *out,
    size_t size)
{
	const struct op *op;
	size_t total = f->leadlen, litlen;
	char *o = out;
	int i, n;

	if (r->present == f->fields && r->nextra == f->nextra)
		n = f->nops;
	else if (f->stop >= 0 && r->present == f->op[f->stop].mask &&
	    r->nextra == f->op[f->stop].nextra)
		n = f->stop + 1;	/* a Common line in "combined" */
	else
		return -1;
	/* A line cut short at the stop ends with its last value. */
	for (i = 0; i < n; i++)
		total += r->len[f->op[i].slot] +
		    (i == f->stop && n < f->nops ? 0 : f->op[i].litlen);
	if (total > size)
		return (long)total;
	if (f->leadlen > 0) {
		memcpy(o, f->lead, f->leadlen);
		o += f->leadlen;
	}
	for (i = 0; i < n; i++) {
		op = &f->op[i];
		if (r->len[op->slot] > 0)
			memcpy(o, r->val[op->slot], r->len[op->slot]);
		o += r->len[op->slot];
		litlen = i == f->stop && n < f->nops ? 0 : op->litlen;
		if (litlen > 0)
			memcpy(o, op->lit, litlen);
		o += litlen;
	}
	return (long)total;
}
