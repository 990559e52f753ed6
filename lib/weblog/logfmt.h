/*
 * logfmt.h - access-log formats: compile a format once, then split each
 * line into its fields in one pass, and write fields back as the line.
 *
 * weblog-serve --format FORMAT compiles FORMAT with tw_logfmt_compile() and
 * splits every line with tw_logfmt_parse(); weblog-client compiles the
 * start tag's format="..." the same way and rebuilds each original line
 * with tw_logfmt_format(). FORMAT is one of
 *
 *   combined        Apache's "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\"
 *                   \"%{User-Agent}i\"", which also accepts a line that
 *                   ends after %b (Common); the default. Strict, as every
 *                   format is (below): two spaces between fields, a
 *                   trailing '\r' or a field too many make a line no hit
 *                   of it
 *   common          "%h %l %u %t \"%r\" %>s %b"
 *   vhost_combined  "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\"
 *                   \"%{User-Agent}i\""
 *
 * or a format string, told apart by whichever comes first in it: a '$'
 * followed by a name character or '{' makes it an nginx log_format, a '%'
 * an Apache LogFormat. The other sigil is then plain text.
 *
 *   nginx   $name or ${name}, name made of [A-Za-z0-9_]
 *   Apache  %X, %{ARG}X, %^ti, %^to for the directives of mod_log_config
 *           (%a %A %b %B %C %D %e %f %h %H %i %I %k %l %L %m %n %o %O %p
 *           %P %q %r %R %s %S %t %T %u %U %v %V %X), %% for '%'; the
 *           modifiers '<' and '>' and a status list ("%400,501{X}i",
 *           "%!200{X}i") are read and ignored, since they only choose
 *           between a value and "-". %t writes its own brackets: it is
 *           "[" then the time then "]".
 *
 * In both kinds, the escapes a config file would undo are undone: \" \'
 * \\ \t \r \n (so LogFormat's "\"%r\"" can be pasted as it is written).
 *
 * A compiled format is a sequence of literal text and variables, never two
 * variables in a row. A line matches when it holds the literals at their
 * places and each variable's extent, decided by what follows it, passes
 * its field's check:
 *
 *   - before a literal starting with '"': up to the next '"' that is not
 *     escaped by a backslash (a backslash escapes any byte, as Apache
 *     writes them; nginx writes '"' as \x22 anyway);
 *   - before any other literal: up to the first byte of that literal;
 *   - the last variable of the format: to the end of the line;
 *
 * then the literal must follow byte for byte. No backtracking: a value
 * that holds its delimiter (a request time "0.1, 0.2" before a space)
 * splits there, and the line either fails to match or matches with that
 * split. Either way the round trip holds: the fields and the literals are
 * the line's own bytes in order, so tw_logfmt_format() gives back the line
 * exactly (SPEC "Round trip"). A line that does not match is not a hit of
 * this format; the caller sends it whole as <line>.
 *
 * The nine fields of the SPEC (TW_CLF_* below, in this order; their names
 * are tw_clf_names):
 *
 *   client    $remote_addr  %h %a            one or more bytes
 *   ident                   %l               one or more bytes
 *   user      $remote_user  %u               one or more bytes
 *   time      $time_local   %t               any bytes (between [ ])
 *   request   $request      %r               any bytes
 *   status    $status       %>s %s           one or more digits
 *   bytes     $body_bytes_sent $bytes_sent   one or more digits, or "-"
 *                           %b %B %O
 *   referrer  $http_referer %{Referer}i      any bytes
 *   agent     $http_user_agent %{User-Agent}i
 *                                            any bytes
 *
 * (Header names are matched without regard to case.) nginx has no ident:
 * its formats write "-" there as text. Every other variable, and a second
 * one for a field already filled, is an extra field, any bytes, named as
 * it is written in the format without its sigil and modifiers:
 *
 *   $request_time           request_time
 *   ${upstream_addr}        upstream_addr
 *   %D                      D
 *   %{X-Forwarded-For}i     {X-Forwarded-For}i
 *   %400,501{Foo}i          {Foo}i
 *   %<s                     <s
 *   %{%d/%b/%Y %T}t         {%d/%b/%Y %T}t
 *
 * The stream shows it as <field name="NAME">VALUE</field>; escaping is
 * the caller's job (xmlesc.h), as for the nine fields. In an attribute
 * (the name, the start tag's format="...") a '"' must also be written
 * &quot;, which tw_xml_escape() leaves alone and tw_xml_unescape()
 * understands: formats are full of them.
 *
 * Which of the nine fields a hit has is tw_logrec.present, a bit mask (bit
 * TW_CLF_X set: field X is there): the format's own fields, except that
 * "combined" gives the first seven for a Common line. The stream, tsv and
 * json show exactly those (tsv writes "-" for the others).
 *
 * Nothing is allocated per line: the record points into the caller's
 * line. A compiled format is one allocation, read-only once compiled, so
 * several threads may share it.
 */
#ifndef TWIRL_LOGFMT_H
#define TWIRL_LOGFMT_H

#include <stddef.h>

/* The nine fields, in log (and stream) order. */
enum {
	TW_CLF_CLIENT, TW_CLF_IDENT, TW_CLF_USER, TW_CLF_TIME,
	TW_CLF_REQUEST, TW_CLF_STATUS, TW_CLF_BYTES, TW_CLF_REFERRER,
	TW_CLF_AGENT,
	TW_CLF_NFIELDS
};

/* The element name of each field: "client", "ident", ... "agent". */
extern const char *const tw_clf_names[TW_CLF_NFIELDS];

#define TW_LOGFMT_MAXVARS 64		/* variables in one format */
#define TW_LOGFMT_MAXLEN 4096		/* bytes of a format string */

/* Record slots: the nine fields, then the extra fields in format order. */
#define TW_LOGREC_SLOTS (TW_CLF_NFIELDS + TW_LOGFMT_MAXVARS)

typedef struct tw_logfmt tw_logfmt;

/*
 * One line's fields. val[i] and len[i] for i < TW_CLF_NFIELDS is field i
 * (client ... agent) when bit i of present is set; extra field j is
 * val[TW_CLF_NFIELDS + j], for j < nextra. Slots not filled hold
 * garbage: parsing does not clear them.
 */
typedef struct tw_logrec {
	const char *val[TW_LOGREC_SLOTS];
	size_t len[TW_LOGREC_SLOTS];
	unsigned present;
	int nextra;
} tw_logrec;

/* The bit of field i (TW_CLF_CLIENT ... TW_CLF_AGENT) in a present mask. */
#define TW_LOGFMT_BIT(i) (1u << (i))

/*
 * Compile format (a preset name or a format string; see above). Returns
 * the compiled format, to be freed with tw_logfmt_free(); or NULL with a
 * one-line reason, without the program's name, in err[0..errlen) (e.g.
 * "$a and $b have nothing between them to tell where one ends").
 */
tw_logfmt *tw_logfmt_compile(const char *format, char *err, size_t errlen);
void tw_logfmt_free(tw_logfmt *f);

/* The format as it was given: what the start tag's format="..." carries. */
const char *tw_logfmt_text(const tw_logfmt *f);

/* The nine fields the format can fill, as a present mask. */
unsigned tw_logfmt_fields(const tw_logfmt *f);

/* The number of extra fields, and the name of extra field j. */
int tw_logfmt_nextra(const tw_logfmt *f);
const char *tw_logfmt_extra_name(const tw_logfmt *f, int j);

/*
 * Split line[0..len) (without its '\n') into r. Returns 1 and fills r
 * (present, nextra and those slots) when the line matches the format; 0
 * when it does not, leaving r meaningless.
 */
int tw_logfmt_parse(const tw_logfmt *f, tw_logrec *r, const char *line,
    size_t len);

/*
 * Write r back as a log line (no newline) into out when it fits in size
 * bytes. Returns the line's length, whether it fit or not (so a caller
 * can size out and call again), or -1 when r is not a record this format
 * gives: a field of the format missing from present, a field present that
 * the format does not have, or nextra not the format's count. For a
 * record tw_logfmt_parse() filled, the line is the parsed line.
 */
long tw_logfmt_format(const tw_logfmt *f, const tw_logrec *r, char *out,
    size_t size);

#endif
