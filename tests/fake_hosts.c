/*
 * fake_hosts.c - an LD_PRELOAD shim: host names from a file the test
 * writes, whatever /etc/hosts says, and a log of every lookup.
 *
 *   cc -shared -fPIC -o fake_hosts.so fake_hosts.c
 *   FAKE_HOSTS=FILE FAKE_HOSTS_LOG=LOG LD_PRELOAD=./fake_hosts.so PROGRAM
 *
 * FILE has lines "NAME ADDRESS...", IPv6 and IPv4 addresses in the order
 * getaddrinfo(3) is to give them; a name with no address does not exist
 * (EAI_NONAME). The file is read at every lookup, so a test can move a
 * name while the program runs (write a new file and rename it over).
 * Each lookup of a listed name appends the name to LOG. Other names go
 * to the C library's resolver.
 */
#define _GNU_SOURCE		/* RTLD_NEXT */

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char mark[] = "fake_hosts";	/* ai_canonname of our lists */

struct node {
	struct addrinfo ai;
	struct sockaddr_storage ss;
};

/* Append ip to *tail unless hints rule its family out. -1: no memory. */
static int
add(struct addrinfo ***tail, const struct addrinfo *hints, const char *ip)
{
	struct node *n;
	struct in6_addr a6;
	struct in_addr a4;
	int family;

	if (inet_pton(AF_INET6, ip, &a6) == 1)
		family = AF_INET6;
	else if (inet_pton(AF_INET, ip, &a4) == 1)
		family = AF_INET;
	else
		return 0;
	if (hints != NULL && hints->ai_family != AF_UNSPEC &&
	    hints->ai_family != family)
		return 0;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	n->ai.ai_family = family;
	n->ai.ai_socktype = SOCK_STREAM;
	n->ai.ai_protocol = IPPROTO_TCP;
	n->ai.ai_addr = (struct sockaddr *)&n->ss;
	n->ai.ai_canonname = mark;
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&n->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a6;
		n->ai.ai_addrlen = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&n->ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a4;
		n->ai.ai_addrlen = sizeof(*sin);
	}
	**tail = &n->ai;
	*tail = &n->ai.ai_next;
	return 0;
}

static void
note(const char *name)
{
	const char *path = getenv("FAKE_HOSTS_LOG");
	FILE *f;

	if (path != NULL && (f = fopen(path, "a")) != NULL) {
		fprintf(f, "%s\n", name);
		fclose(f);
	}
}

/* 1 with *res set (or rc), if FILE lists node; 0 if not. */
static int
lookup(const char *node, const struct addrinfo *hints,
    struct addrinfo **res, int *rc)
{
	const char *path = getenv("FAKE_HOSTS");
	struct addrinfo **tail = res;
	char line[1024], *tok, *save;
	FILE *f;
	int found = 0;

	if (node == NULL || path == NULL || (f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if ((tok = strtok_r(line, " \t\n", &save)) == NULL ||
		    strcmp(tok, node) != 0)
			continue;
		found = 1;
		*rc = 0;
		while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL)
			if (add(&tail, hints, tok) == -1)
				*rc = EAI_MEMORY;
	}
	fclose(f);
	if (!found)
		return 0;
	note(node);
	if (*rc == 0 && *res == NULL)
		*rc = EAI_NONAME;
	return 1;
}

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **);
	int rc;

	*res = NULL;
	if (lookup(node, hints, res, &rc)) {
		if (rc != 0) {
			freeaddrinfo(*res);
			*res = NULL;
		}
		return rc;
	}
	*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	return real(node, service, hints, res);
}

void
freeaddrinfo(struct addrinfo *ai)
{
	void (*real)(struct addrinfo *);
	struct addrinfo *next;

	if (ai == NULL)
		return;
	if (ai->ai_canonname == mark) {
		for (; ai != NULL; ai = next) {
			next = ai->ai_next;
			free(ai);	/* its struct node */
		}
		return;
	}
	*(void **)&real = dlsym(RTLD_NEXT, "freeaddrinfo");
	real(ai);
}
