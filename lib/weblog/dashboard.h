/*
 * dashboard.h - the live dashboard's page (dashboard.html), compiled into
 * the program: make turns the HTML file into build/lib/weblog/dashboard.c,
 * an array of its bytes, so the page is served from memory and the
 * program needs no file beside it.
 */
#ifndef TWIRL_DASHBOARD_H
#define TWIRL_DASHBOARD_H

#include <stddef.h>

extern const unsigned char tw_dashboard[];
extern const size_t tw_dashboard_len;

#endif
