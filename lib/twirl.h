/*
 * twirl.h - libtwirl, the whole library: include this, link -ltwirl
 * -lpthread. Each module's header says what it is for.
 */
#ifndef TWIRL_H
#define TWIRL_H

#define TWIRL_VERSION "0.1.0"

#include "addr.h"
#include "bytes.h"
#include "conn.h"
#include "deferred.h"
#include "lines.h"
#include "reactor.h"
#include "resolve.h"
#include "signals.h"
#include "thread.h"
#include "timer.h"

#endif
